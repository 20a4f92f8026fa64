"""Optimizer trajectories on two-dimensional test functions: runs, learning-rate search and plots.

``python -m pytorch_optimizer plot adamw lion --function rosenbrock --out DIR`` writes one PNG per
optimizer: the function's contours, the path from the usual starting point, the global minima and the
final loss.

The learning rate of each picture is chosen by a small search (:func:`search_lr`): every rate of
``LR_GRID`` (1e-4 to 1, half a decade apart) runs the same number of steps from the same start; a run
scores its final loss above the function's minimum, or infinity when a point is not finite or leaves
the plotting window widened by half its size on each side. The best rate is refined once with the rates
a quarter decade on either side, and the best of those 11 runs is drawn (ties within 0.1%, typically
runs caught in the same local minimum, go to the largest rate, whose path shows more of the method).
Optimizers without a global statistic or a closure run the whole grid at once, one parameter group per
rate (the groups do not interact: the result is that of separate runs, which the tests check bit for
bit).
"""

from __future__ import annotations

import argparse
import inspect
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from pytorch_optimizer.registry import OPTIMIZERS
from pytorch_optimizer.visualize.functions import FUNCTIONS, TestFunction, get_function

LR_GRID = tuple(10 ** (k / 2) for k in range(-8, 1))  # 1e-4, 3.2e-4, ..., 0.32, 1
REFINE = (10**-0.25, 10**0.25)
DEFAULT_STEPS = 300
# torch's optimizers carry no class metadata; these two cannot take plain gradient steps on a point
TORCH_EXCLUDED = {'lbfgs': 'needs a closure (quasi-Newton line search)', 'sparseadam': 'needs sparse gradients'}


@dataclass
class Trajectory:
    """Points ``(steps + 1, 2)`` and losses ``(steps + 1,)`` of one run of optimizer ``name`` on ``function``."""

    name: str
    function: str
    lr: float | None
    points: torch.Tensor
    losses: torch.Tensor
    score: float = math.inf
    searched: list[tuple[float, float]] = field(default_factory=list)  # (lr, score) of every search run

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def skip_reason(name: str) -> str | None:
    """Why optimizer ``name`` has no gallery picture (``None``: it is a plain first-order optimizer)."""
    entry = OPTIMIZERS.entry(name)
    if entry.external:
        return TORCH_EXCLUDED.get(entry.key)
    for flag, reason in (
        ('requires_closure', 'requires a closure'),
        ('second_order', 'second order (needs create_graph=True)'),
        ('needs_model', 'needs the model'),
    ):
        if getattr(entry.cls, flag, False):
            return reason
    return None


def first_order_optimizers() -> list[str]:
    """Registry keys of every first-order optimizer (variants included): the gallery's list."""
    return [name for name in OPTIMIZERS.names() if skip_reason(name) is None]


def build_optimizer(name: str, params: Any, lr: float | None, steps: int) -> torch.optim.Optimizer:
    """Instantiate registry entry ``name``; ``lr=None`` keeps its default; schedules last ``steps``."""
    factory = OPTIMIZERS.load(name)
    signature = inspect.signature(factory).parameters
    kwargs: dict[str, Any] = {}
    if lr is not None and 'lr' in signature:
        kwargs['lr'] = lr
    if 'num_iterations' in signature:
        kwargs['num_iterations'] = steps
    if getattr(OPTIMIZERS.entry(name).cls, 'needs_model', False):
        raise ValueError(f'{name} needs the model; trajectories optimize a bare point')
    return factory(params, **kwargs)


def _batched(name: str) -> bool:
    cls = OPTIMIZERS.entry(name).cls
    flags = ('requires_closure', 'second_order', 'needs_model', 'global_statistics')
    return OPTIMIZERS.entry(name).key not in TORCH_EXCLUDED and not any(getattr(cls, f, False) for f in flags)


def _score(function: TestFunction, points: torch.Tensor, losses: torch.Tensor) -> float:
    if not bool(torch.isfinite(points).all()) or not bool(torch.isfinite(losses).all()):
        return math.inf
    (x0, x1), (y0, y1) = function.x_range, function.y_range
    dx, dy = (x1 - x0) / 2, (y1 - y0) / 2
    xs, ys = points[:, 0], points[:, 1]
    if bool(((xs < x0 - dx) | (xs > x1 + dx) | (ys < y0 - dy) | (ys > y1 + dy)).any()):
        return math.inf
    return float(losses[-1]) - function.min_value


def run(
    name: str, function: str | TestFunction, lrs: Sequence[float | None], steps: int = DEFAULT_STEPS, seed: int = 0
) -> list[Trajectory]:
    """Run ``name`` from ``function.start`` for ``steps`` steps with each rate of ``lrs`` at once.

    One parameter group (one 2-element tensor) per rate, so one step moves every run; use it only for
    optimizers whose groups do not interact (see the module docstring), or with a single rate.
    """
    fn = get_function(function) if isinstance(function, str) else function
    torch.manual_seed(seed)
    cls = OPTIMIZERS.entry(name).cls
    points = [torch.tensor(fn.start, dtype=torch.float32, requires_grad=True) for _ in lrs]
    groups = [{'params': [p], **({} if lr is None else {'lr': lr})} for p, lr in zip(points, lrs)]
    optimizer = build_optimizer(name, groups, lrs[0], steps)
    second_order = getattr(cls, 'second_order', False)

    def closure(backward: bool = True) -> torch.Tensor:
        loss = fn(torch.stack(points, 1)).sum()  # the runs are independent terms of one sum
        if backward:
            optimizer.zero_grad()
            loss.backward(create_graph=second_order)
        return loss

    history = [torch.stack([p.detach().clone() for p in points])]
    for _ in range(steps):
        optimizer.step(closure)
        history.append(torch.stack([p.detach().clone() for p in points]))
    path = torch.stack(history, 1)  # (runs, steps + 1, 2)
    with torch.no_grad():
        losses = fn(path.permute(2, 0, 1))  # (runs, steps + 1)
    return [
        Trajectory(OPTIMIZERS.entry(name).key, fn.name, lr, path[i], losses[i], _score(fn, path[i], losses[i]))
        for i, lr in enumerate(lrs)
    ]


def _runs(name: str, function: TestFunction, lrs: Sequence[float], steps: int, seed: int) -> list[Trajectory]:
    try:
        if _batched(name):
            return run(name, function, lrs, steps, seed)
        return [run(name, function, [lr], steps, seed)[0] for lr in lrs]
    except (ValueError, RuntimeError, ArithmeticError):  # a rate the optimizer rejects or cannot run
        if len(lrs) == 1:
            empty = torch.full((1,), math.nan)
            return [Trajectory(name, function.name, lrs[0], empty.expand(1, 2), empty)]
        return [t for lr in lrs for t in _runs(name, function, [lr], steps, seed)]


def _best(tried: list[Trajectory]) -> Trajectory:
    """The lowest score; ties (within 0.1%: runs caught in the same local minimum) go to the largest rate."""
    low = min(t.score for t in tried)
    return max((t for t in tried if t.score <= low + 1e-3 * abs(low)), key=lambda t: t.lr or 0.0)


def search_lr(
    name: str,
    function: str | TestFunction,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    grid: Sequence[float] = LR_GRID,
) -> Trajectory:
    """The best run of ``name`` over ``grid`` refined once a quarter decade around the best rate.

    Optimizers without an ``lr`` argument run once with their defaults. Returns the trajectory of the
    best rate, run on its own, with every ``(lr, score)`` tried in ``searched``.
    """
    fn = get_function(function) if isinstance(function, str) else function
    if 'lr' not in inspect.signature(OPTIMIZERS.load(name)).parameters:
        best = run(name, fn, [None], steps, seed)[0]
        best.searched = [(math.nan, best.score)]
        return best
    tried = _runs(name, fn, list(grid), steps, seed)
    best = _best(tried)
    if math.isfinite(best.score):
        tried += _runs(name, fn, [best.lr * f for f in REFINE], steps, seed)
        best = _best(tried)
    else:  # every rate diverged or left the window: draw the smallest rate
        best = tried[0]
    final = run(name, fn, [best.lr], steps, seed)[0]
    final.searched = sorted((t.lr, t.score) for t in tried)
    return final


def plot_trajectory(trajectory: Trajectory, path: str | Path | None = None, ax: Any = None, dpi: int = 100) -> Any:
    """Draw contours, path, start, end and global minima of ``trajectory``; save to ``path`` if given."""
    import matplotlib

    if ax is None and path is not None:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fn = get_function(trajectory.function)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.8))
    xs = torch.linspace(*fn.x_range, 250, dtype=torch.float64)
    ys = torch.linspace(*fn.y_range, 250, dtype=torch.float64)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing='xy')
    z = fn(torch.stack([grid_x, grid_y])) - fn.min_value
    if fn.log_levels:
        z = torch.log1p(z.clamp_min(0))
    levels = 30 if fn.log_levels else 16  # fewer rings on oscillating functions (Rastrigin, Ackley)
    ax.contour(grid_x.numpy(), grid_y.numpy(), z.numpy(), levels=levels, cmap='viridis', linewidths=0.6)
    points = trajectory.points.double()
    ax.plot(points[:, 0].numpy(), points[:, 1].numpy(), '-o', color='tab:red', lw=1.0, ms=1.5)
    ax.plot(*fn.start, 'o', color='white', mec='black', ms=6, label='start')
    ax.plot(points[-1, 0].item(), points[-1, 1].item(), 'X', color='tab:red', mec='black', ms=8, label='end')
    for i, (x, y) in enumerate(fn.minima):
        ax.plot(x, y, '*', color='gold', mec='black', ms=12, label='global minimum' if i == 0 else None)
    ax.set(xlim=fn.x_range, ylim=fn.y_range)
    lr = 'default lr' if trajectory.lr is None else f'lr={trajectory.lr:.3g}'
    ax.set_title(
        f'{trajectory.name} on {fn.name}\n{lr}, {len(points) - 1} steps, final loss {trajectory.final_loss:.4g}',
        fontsize=10,
    )
    ax.legend(loc='upper right', fontsize=7)
    if path is not None:
        ax.figure.tight_layout()
        ax.figure.savefig(path, dpi=dpi)
        plt.close(ax.figure)
        _compress(path)
    return ax


def _compress(path: str | Path) -> None:
    # anti-aliased contour lines make large true-colour PNGs: a 128-colour palette is 4-5x smaller
    from PIL import Image  # a dependency of matplotlib

    with Image.open(path) as image:
        palette = image.convert('RGB').quantize(colors=128, method=Image.Quantize.FASTOCTREE)
    palette.save(path, optimize=True)


def plot_optimizer(
    name: str,
    function: str = 'rosenbrock',
    out: str | Path = '.',
    steps: int = DEFAULT_STEPS,
    lr: float | None = None,
    seed: int = 0,
    dpi: int = 100,
) -> tuple[Path, Trajectory]:
    """Search the rate (or use ``lr``), plot, and write ``OUT/<function>_<name>.png``."""
    fn = get_function(function)
    key = OPTIMIZERS.entry(name).key
    trajectory = search_lr(key, fn, steps, seed) if lr is None else run(key, fn, [lr], steps, seed)[0]
    Path(out).mkdir(parents=True, exist_ok=True)
    path = Path(out) / f'{fn.name}_{key}.png'
    plot_trajectory(trajectory, path, dpi=dpi)
    return path, trajectory


def add_plot_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``plot`` options to ``parser`` (used by ``python -m pytorch_optimizer plot``)."""
    parser.add_argument('names', nargs='+', metavar='NAME', help='registry keys of optimizers')
    parser.add_argument('--function', choices=sorted(FUNCTIONS), default='rosenbrock')
    parser.add_argument('--out', default='.', metavar='DIR', help='folder for the PNGs (one per optimizer)')
    parser.add_argument('--steps', type=int, default=DEFAULT_STEPS)
    parser.add_argument('--lr', default='auto', help="a learning rate, or 'auto' (the documented search)")
    parser.add_argument('--seed', type=int, default=0)
    return parser


def cmd_plot(args: argparse.Namespace) -> int:
    """Body of the ``plot`` subcommand: one PNG per optimizer, its path and final loss printed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print('plot needs matplotlib: pip install "pytorch_optimizer[viz]"', file=sys.stderr)
        return 1
    if args.steps < 1:
        raise ValueError(f'--steps must be a positive integer, got {args.steps}')
    lr = None if args.lr == 'auto' else float(args.lr)
    keys = [OPTIMIZERS.entry(name).key for name in args.names]  # unknown names fail before any run
    for key in keys:
        path, trajectory = plot_optimizer(key, args.function, args.out, args.steps, lr, args.seed)
        chosen = 'default' if trajectory.lr is None else f'{trajectory.lr:.3g}'
        print(f'wrote {path}  (lr={chosen}, final loss {trajectory.final_loss:.4g})')
    return 0
