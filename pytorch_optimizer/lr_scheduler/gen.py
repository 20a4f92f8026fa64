"""GeN: generalized Newton's method, a learning rate from the curvature along the optimizer's own step.

Reference: Bu & Xu, "Gradient Descent with Generalized Newton's Method", ICLR 2025.
https://arxiv.org/abs/2407.02772 (efficient version after the official ``lr_parabola`` of
ShiyunXu/AutoGeN; ``make_gen_optimizer``/``ExactGen`` after dscamiss/generalized-newtons-method).
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.hessian import directional_curvature
from pytorch_optimizer.base.validation import (
    check_bool,
    check_choice,
    check_lr,
    check_positive_int,
    check_range,
    owner_name,
)
from pytorch_optimizer.registry import register_lr_scheduler

Closure = Callable[..., Any]


def _chain(optimizer: Optimizer) -> list[Optimizer]:
    """The optimizer and the optimizers it wraps (``.optimizer`` of Lookahead and other wrappers)."""
    chain: list[Optimizer] = []
    while isinstance(optimizer, Optimizer) and all(optimizer is not o for o in chain):
        chain.append(optimizer)
        optimizer = getattr(optimizer, 'optimizer', None)
    return chain


def _clone(value: Any) -> Any:
    return value.clone() if isinstance(value, Tensor) else copy.deepcopy(value)


def _snapshot(optimizer: Optimizer) -> list[tuple[dict, list[dict]]]:
    """Copies of the state and of every group's scalars (zoo: ``group['step']``; torch: ``state['step']``)."""
    return [
        (
            {k: {n: _clone(v) for n, v in s.items()} for k, s in opt.state.items()},
            [{k: _clone(v) for k, v in g.items() if k != 'params'} for g in opt.param_groups],
        )
        for opt in _chain(optimizer)
    ]


def _restore(optimizer: Optimizer, snapshot: list[tuple[dict, list[dict]]]) -> None:
    for opt, (state, groups) in zip(_chain(optimizer), snapshot):
        for key in [k for k in opt.state if k not in state]:
            del opt.state[key]  # state created lazily by the probe
        for key, saved in state.items():
            live = opt.state[key]
            for name in [n for n in live if n not in saved]:
                del live[name]
            for name, value in saved.items():
                old = live.get(name)
                same = isinstance(old, Tensor) and isinstance(value, Tensor) and old.shape == value.shape
                if same and old.dtype == value.dtype and old.device == value.device:
                    old.copy_(value)  # keep tensor identity (references held elsewhere stay valid)
                else:
                    live[name] = value
        for group, saved in zip(opt.param_groups, groups):
            for name in [n for n in group if n != 'params' and n not in saved]:
                del group[name]
            group.update(saved)


@torch.no_grad()
def probe_direction(
    optimizer: Optimizer, *, unit_lr: bool = True, restore_state: bool = True, closure: Closure | None = None
) -> list[tuple[list[Tensor], list[Tensor]]]:
    """Per group, the parameters with a gradient and the displacement ``θ - θ'`` of one ``optimizer.step()``.

    The parameters and ``p.grad`` (which step pre-hooks may edit) are restored afterwards; with
    ``restore_state`` so is the optimizer's state (a probe: the real step comes later, so step counts
    and moments advance exactly once), without it the state keeps the step (a functional step).
    ``unit_lr`` probes with every group's lr set to 1, so the displacement is ``d`` of ``Δθ = -lr·d``.
    ``closure`` is passed to optimizers that set ``requires_closure`` (SAM family).
    """
    groups = [[p for p in g['params'] if p.grad is not None] for g in optimizer.param_groups]
    params = [p for ps in groups for p in ps]
    before = [p.detach().clone() for p in params]
    grads = [p.grad.clone() for p in params]
    snapshot = _snapshot(optimizer) if restore_state else None
    lrs = [g['lr'] for g in optimizer.param_groups]
    if unit_lr:
        for g in optimizer.param_groups:
            g['lr'] = 1.0
    try:
        if closure is not None and getattr(optimizer, 'requires_closure', False):
            optimizer.step(closure)
        else:
            optimizer.step()
        moved = iter([b - p.detach() for p, b in zip(params, before)])
    finally:
        for g, lr in zip(optimizer.param_groups, lrs):
            g['lr'] = lr
        for p, b, g in zip(params, before, grads):
            p.copy_(b)
            p.grad = g
        if snapshot is not None:
            _restore(optimizer, snapshot)
    return [(ps, [next(moved) for _ in ps]) for ps in groups]


def evaluate(closure: Closure) -> Tensor:
    """The closure's loss *with* its graph: ``closure(backward=False)`` where the closure takes ``backward``."""
    try:
        takes_flag = 'backward' in inspect.signature(closure).parameters
    except (TypeError, ValueError):
        takes_flag = False
    return closure(backward=False) if takes_flag else closure()


@register_lr_scheduler(name='gen')
class GeN(LRScheduler):
    r"""Learning rate minimizing the second-order model of the loss along the optimizer's step direction.

    With the base optimizer's displacement :math:`\Delta\theta = -\eta d` (``d`` probed with lr 1, the
    optimizer state snapshotted and restored, so the one real ``optimizer.step()`` that follows
    advances moments and step counts exactly once):

    .. math::
        \psi(\eta) = L(\theta - \eta d) \approx L - \eta\, g^\top d + \tfrac12 \eta^2 d^\top H d, \qquad
        \eta^\ast = \frac{g^\top d}{d^\top H d}

    ``mode='exact'``: :math:`d^\top H d` by a Hessian-vector product (double backward), the lr set to
    :math:`\mathrm{clamp}(\eta^\ast, \eta_{min}, \eta_{max})` (``fallback`` when :math:`d^\top H d \le 0`).
    ``mode='approx'`` (the paper's Alg. 1): losses at :math:`\theta - r\eta_{t-1}d`,
    :math:`r \in` ``trial_points`` (forward passes only), a least-squares fit
    :math:`\ell_r - \ell_0 \approx \tfrac12 A x^2 - B x`, and if :math:`A, B > 0` and :math:`R^2 >`
    ``r2_threshold``: :math:`\eta_t = \gamma\eta_{t-1} + (1-\gamma)\,s\,\mathrm{clip}(B/A, \eta_{t-1}/c,
    c\,\eta_{t-1})`; a failed fit halves the lr. Every ``update_every`` calls; the lr is held between.

    Usage: ``loss.backward(); scheduler.step(closure); optimizer.step()``. ``closure(backward=False)``
    (or ``closure()`` for a closure without that flag) must return the loss with its graph and not call
    ``backward``; it should use the current batch. GeN syncs with the host once per update (the lr is
    a Python float). The step must be linear in the lr (not schedule-free, Prodigy, D-Adaptation).
    Differences from the references: no double step of the base optimizer; ``g`` and ``H`` come from
    the same closure evaluation; ``per_group=True`` keeps the ratios between groups' lrs.

    Args:
        optimizer: the base optimizer (any ``torch.optim.Optimizer``, wrappers included).
        lr_min: lower clamp :math:`\eta_{min}` of the lr.
        lr_max: upper clamp :math:`\eta_{max}` of the lr (``math.inf`` allowed).
        mode: ``'exact'`` (Hessian-vector product) or ``'approx'`` (parabola fit from forward passes).
        update_every: lazy frequency :math:`\Phi`: adapt on calls 1, 1+Φ, 1+2Φ, ...
        per_group: direction :math:`\Delta = (\eta_g d_g)_g` and one multiplier :math:`s^\ast` for all
            groups (``lr_g ← s^\ast lr_g``) instead of one lr written into every group.
        fallback: exact mode, lr when :math:`d^\top H d \le 0` or non-finite (``None`` keeps the lr).
        smoothing: approx mode, :math:`\gamma`.
        trial_points: approx mode, multipliers :math:`r` (exactly one 0, two or more others).
        r2_threshold: approx mode, acceptance threshold of the fit's :math:`R^2`.
        clip: approx mode, :math:`c`: the estimate is clipped to :math:`[\eta/c, c\eta]`.
        scale: approx mode, horizon factor :math:`s \in [0, 1]` (set ``scheduler.scale`` as training goes).
        last_epoch: index of the last call (``-1`` to start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_min: float = 0.0,
        lr_max: float = 1.0,
        mode: str = 'exact',
        update_every: int = 1,
        *,
        per_group: bool = False,
        fallback: float | None = None,
        smoothing: float = 0.9,
        trial_points: Sequence[float] = (-1.0, 0.0, 1.0),
        r2_threshold: float = 0.99,
        clip: float = 2.0,
        scale: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'{owner_name(self)}: optimizer must be a torch.optim.Optimizer, got {optimizer!r}')
        self.lr_min = check_lr(self, lr_min, 'lr_min')
        self.lr_max = check_range(self, 'lr_max', lr_max, self.lr_min, math.inf, high_inclusive=True)
        self.mode = check_choice(self, 'mode', mode, ('exact', 'approx'))
        self.update_every = check_positive_int(self, 'update_every', update_every)
        self.per_group = check_bool(self, 'per_group', per_group)
        self.fallback = check_lr(self, fallback, 'fallback', allow_none=True)
        self.smoothing = check_range(self, 'smoothing', smoothing, 0.0, 1.0)
        points = [check_range(self, 'trial_points', r) for r in trial_points]
        if points.count(0.0) != 1 or len(set(points)) != len(points) or len(points) < 3:
            raise ValueError(f'{owner_name(self)}: trial_points needs one 0 and 2+ others, got {trial_points!r}')
        self.trial_points = points
        self.r2_threshold = check_range(self, 'r2_threshold', r2_threshold, -math.inf, 1.0, high_inclusive=True)
        self.clip = check_range(self, 'clip', clip, 1.0, math.inf)
        self.scale = check_range(self, 'scale', scale, 0.0, 1.0, high_inclusive=True)
        self.last_estimate: float | None = None
        self.last_coefficients: tuple[float, float, float] | None = None
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current lrs (GeN has no closed form: the lr comes from the loss)."""
        return [g['lr'] for g in self.optimizer.param_groups]

    def step(self, closure: Closure | None = None, loss: Tensor | float | None = None) -> list[float]:
        """Adapt the lrs (every ``update_every`` calls); call after ``backward`` and before ``optimizer.step()``.

        Args:
            closure: evaluates the loss (see the class docstring); needed on the calls that adapt.
            loss: approx mode, the loss already computed at the current parameters on the closure's
                batch (saves one of the three forward passes, as in the paper).

        Returns:
            the lr of every param group.
        """
        self._step_count += 1
        self.last_epoch += 1
        if self.last_epoch >= 1 and (self.last_epoch - 1) % self.update_every == 0:
            if closure is None:
                raise NoClosureError(owner_name(self), ' on the calls that adapt the lr')
            probe = probe_direction(self.optimizer, closure=closure)
            lrs = [g['lr'] for g in self.optimizer.param_groups]
            directions = [(ps, [d * lr for d in ds] if self.per_group else ds) for (ps, ds), lr in zip(probe, lrs)]
            params = [p for ps, _ in directions for p in ps]
            d = [x for _, ds in directions for x in ds]
            if params:
                if self.mode == 'exact':
                    new = self._exact(closure, params, d, lrs)
                else:
                    new = self._approx(closure, params, d, lrs, loss)
                for group, lr in zip(self.optimizer.param_groups, new):
                    group['lr'] = lr
        self._last_lr = self.get_lr()
        return self._last_lr

    def _clamp(self, lr: float) -> float:
        return min(max(lr, self.lr_min), self.lr_max)

    def _exact(self, closure: Closure, params: list[Tensor], d: list[Tensor], lrs: list[float]) -> list[float]:
        with torch.enable_grad():
            value = evaluate(closure)
            slope, curvature = directional_curvature(value, params, d)
        gd, dhd = float(slope), float(curvature)
        self.last_coefficients = (float(value.detach()), -gd, 0.5 * dhd)
        if not (math.isfinite(gd) and math.isfinite(dhd) and dhd > 0.0):
            self.last_estimate = None
            return lrs if self.fallback is None else [self.fallback] * len(lrs)
        self.last_estimate = gd / dhd
        if self.per_group:
            return [self._clamp(self.last_estimate * lr) for lr in lrs]
        return [self._clamp(self.last_estimate)] * len(lrs)

    @torch.no_grad()
    def _approx(self, closure, params, d, lrs, loss) -> list[float]:
        eta = 1.0 if self.per_group else lrs[0]
        origin = [p.detach().clone() for p in params]
        losses = []
        try:
            for r in self.trial_points:
                if r == 0.0 and loss is not None:
                    losses.append(float(loss))
                    continue
                for p, o, x in zip(params, origin, d):
                    p.copy_(o).add_(x, alpha=-r * eta)
                losses.append(float(evaluate(closure)))
        finally:
            for p, o in zip(params, origin):
                p.copy_(o)
        self.last_estimate = estimate = self._fit(eta, losses)
        base = lrs if self.per_group else [lrs[0]] * len(lrs)
        if estimate is None:  # the fit failed numerically: halve, like the reference
            return [lr / 2 for lr in base]
        if estimate is math.inf:  # rejected (concave, ascent direction or poor fit): unchanged
            return list(lrs)
        factor = estimate / eta
        gamma = self.smoothing
        clipped = [min(max(factor, 1 / self.clip), self.clip) * lr for lr in base]
        return [self._clamp(gamma * lr + (1 - gamma) * self.scale * c) for lr, c in zip(base, clipped)]

    def _fit(self, eta: float, losses: list[float]) -> float | None:
        """``B / A`` of the least-squares fit (``inf`` when rejected, ``None`` when it fails numerically)."""
        if not all(math.isfinite(v) for v in losses) or eta <= 0.0:
            return None
        zero = losses[self.trial_points.index(0.0)]
        xs = [r * eta for r in self.trial_points]
        ys = [v - zero for v in losses]
        aa = sum(0.25 * x**4 for x in xs)
        ab = sum(-0.5 * x**3 for x in xs)
        bb = sum(x * x for x in xs)
        ay = sum(0.5 * x * x * y for x, y in zip(xs, ys))
        by = sum(-x * y for x, y in zip(xs, ys))
        det = aa * bb - ab * ab
        if det == 0.0 or not math.isfinite(det):
            return None
        a, b = (ay * bb - ab * by) / det, (aa * by - ab * ay) / det
        mean = sum(ys) / len(ys)
        total = sum((y - mean) ** 2 for y in ys)
        residual = sum((0.5 * a * x * x - b * x - y) ** 2 for x, y in zip(xs, ys))
        r2 = 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)
        return b / a if a > 0 and b > 0 and r2 > self.r2_threshold else math.inf


class GenOptimizer:
    """Marker mixin of the classes built by :func:`make_gen_optimizer` (the reference package's API)."""

    def compute_param_updates(self) -> None:
        """Probe ``d`` (displacement of a unit-lr step) of every parameter with a gradient; state is restored."""
        updates = {p: d for ps, ds in probe_direction(self) for p, d in zip(ps, ds)}
        self._gen_updates = updates

    def get_param_update(self, param: Tensor) -> Tensor:
        """The ``d`` of ``param`` from the last :meth:`compute_param_updates` (``ValueError`` if stale)."""
        updates = getattr(self, '_gen_updates', {})
        if param not in updates:
            raise ValueError(f'{type(self).__name__}: no update for this parameter since the last step')
        return updates[param]

    def step(self, *args: Any, **kwargs: Any) -> Any:
        """The base optimizer's step; invalidates the probed updates."""
        self._gen_updates = {}
        return super().step(*args, **kwargs)


def make_gen_optimizer(optimizer_class: type[Optimizer], params: Any, **kwargs: Any) -> Optimizer:
    """``optimizer_class(params, **kwargs)`` as a subclass marked :class:`GenOptimizer` (reference API).

    Any optimizer works with :class:`GeN` as is; this keeps code written for the reference package running.
    The keyword arguments are checked by ``optimizer_class`` itself.
    """
    if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, Optimizer)):
        raise TypeError(f'make_gen_optimizer: expected an Optimizer class, got {optimizer_class!r}')
    cls = type(f'Gen{optimizer_class.__name__}', (GenOptimizer, optimizer_class), {})
    return cls(params, **kwargs)


class ExactGen(GeN):
    """The reference package's interface: ``scheduler.step(x, y)`` with the model and criterion.

    The Taylor coefficients are computed with the model in eval mode (dropout, batch norm frozen)
    on ``(x, y)``. ``fallback`` defaults to the reference's 1e-3. Difference: constructing the
    scheduler (and ``step()`` without data) keeps the lrs instead of setting them to the fallback.

    Args:
        optimizer: the base optimizer.
        model: the network.
        criterion: ``criterion(model(x), y)`` is the loss.
        lr_min: lower clamp of the lr.
        lr_max: upper clamp of the lr.
        fallback: lr when the curvature is not positive.
        last_epoch: index of the last call.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        model: nn.Module,
        criterion: Callable[[Tensor, Tensor], Tensor],
        lr_min: float,
        lr_max: float,
        *,
        fallback: float | None = 1e-3,
        last_epoch: int = -1,
    ) -> None:
        self.model, self.criterion = model, criterion
        super().__init__(optimizer, lr_min, lr_max, 'exact', fallback=fallback, last_epoch=last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler state without the model and the criterion."""
        return {k: v for k, v in super().state_dict().items() if k not in ('model', 'criterion')}

    def step(self, x: Tensor | None = None, y: Tensor | None = None) -> list[float]:  # type: ignore[override]
        """Set the lrs from the batch ``(x, y)``; returns them."""
        if x is None:
            self._step_count += 1
            self.last_epoch += 1
            self._last_lr = self.get_lr()
            return self._last_lr
        model, criterion, optimizer = self.model, self.criterion, self.optimizer

        def closure(backward: bool = True) -> Tensor:
            value = criterion(model(x), y)
            if backward:
                optimizer.zero_grad()
                value.backward()
            return value

        training = model.training
        model.eval()
        try:
            return super().step(closure)
        finally:
            model.train(training)
