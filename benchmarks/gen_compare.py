"""Training comparison of the second-order learning-rate methods on a small MLP (synthetic data, CPU).

SGD(momentum) and Adam with GeN (exact and the efficient parabola fit, Φ = 4) against the same optimizer
with its best constant lr and its best cosine-decayed lr (grid-searched on the same run), and
NewtonSummary (the README's settings) against SGD. Reports the final full-data training loss and the
wall-clock time per step relative to the plain optimizer.

    python benchmarks/gen_compare.py                        # everything
    python benchmarks/gen_compare.py sgd+gen adam+gen newtonsummary --steps 300
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from torch import nn

from pytorch_optimizer import NewtonSummary
from pytorch_optimizer.lr_scheduler.gen import GeN
from pytorch_optimizer.optimizer.newtonsummary import partition

PROBE_SEED = 7  # GeN evaluates its losses on a fresh batch: on the gradient's own batch its lr is biased up
MOMENTUM = 0.0  # plain SGD: GeN's greedy lr along a heavy-ball direction (momentum 0.9) oscillates here
GRID = {'sgd': (0.1, 0.3, 1.0, 3.0, 10.0), 'adam': (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)}
BASE = {'sgd': lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=MOMENTUM), 'adam': torch.optim.Adam}


def make_task(seed: int = 0, n: int = 1024, dim: int = 10, classes: int = 3):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dim, generator=gen)
    teacher = torch.randn(dim, classes, generator=gen)
    y = (torch.tanh(x @ teacher) + 0.3 * torch.randn(n, classes, generator=gen)).argmax(dim=1)
    return x, y


def make_model(seed: int = 1) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3))


def batches(x, y, steps: int, batch: int = 64, seed: int = 2):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (batch,), generator=gen)
        yield x[idx], y[idx]


def train(method: str, steps: int, lr: float | None = None, schedule: str = 'constant') -> tuple[float, float]:
    """Final full-data loss and seconds per step of one run."""
    x, y = make_task()
    model = make_model()
    criterion = nn.CrossEntropyLoss()
    base, _, extra = method.partition('+')
    if base == 'newtonsummary':
        groups, _ = partition.canonical(model)
        hg = list(batches(x, y, 16, seed=3))
        opt = NewtonSummary(
            groups, lambda xb, yb: criterion(model(xb), yb), hg, damping=0.1,
            dct_nesterov={'use': True, 'damping_int': 10.0}, period_hg=10, mom_lrs=0.5, remove_negative=True,
            momentum=0.9, momentum_damp=0.9,
        )  # fmt: skip
    else:
        opt = BASE[base](model.parameters(), lr if lr is not None else GRID[base][1])
    sched = None
    if extra in ('gen', 'genapprox'):
        mode, every = ('exact', 1) if extra == 'gen' else ('approx', 4)
        sched = GeN(opt, 0.0, 10.0, mode=mode, update_every=every)
    elif schedule == 'cosine':
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    probes = batches(x, y, steps, seed=PROBE_SEED)
    start = time.perf_counter()
    for xb, yb in batches(x, y, steps):

        def closure(backward: bool = True, xb=xb, yb=yb) -> torch.Tensor:
            loss = criterion(model(xb), yb)
            if backward:
                opt.zero_grad()
                loss.backward()
            return loss

        closure()
        if isinstance(sched, GeN):  # GeN's losses on a fresh batch, as the official code does (see above)
            xp, yp = next(probes)
            sched.step(lambda backward=False, xp=xp, yp=yp: criterion(model(xp), yp))
        opt.step()
        if sched is not None and not isinstance(sched, GeN):
            sched.step()
    elapsed = (time.perf_counter() - start) / steps
    with torch.no_grad():
        final = criterion(model(x), y).item()
    return (final if math.isfinite(final) else math.inf), elapsed


def tuned(base: str, steps: int, schedule: str) -> tuple[float, float, float]:
    runs = [(*train(base, steps, lr, schedule), lr) for lr in GRID[base]]
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'methods', nargs='*', default=['sgd+gen', 'sgd+genapprox', 'adam+gen', 'adam+genapprox', 'newtonsummary']
    )
    parser.add_argument('--steps', type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows, reference = [], {}
    for method in args.methods:
        base = method.split('+')[0]
        ref = 'sgd' if base == 'newtonsummary' else base
        if ref not in reference:
            const, cosine = tuned(ref, args.steps, 'constant'), tuned(ref, args.steps, 'cosine')
            reference[ref] = const
            rows.append((f'{ref} constant (lr={const[2]:g}, best of grid)', const[0], const[1], const[1]))
            rows.append((f'{ref} cosine (lr={cosine[2]:g}, best of grid)', cosine[0], cosine[1], const[1]))
        loss, seconds = train(method, args.steps)
        rows.append((method, loss, seconds, reference[ref][1]))
    print(f'{"method":48s} {"final loss":>10s} {"ms/step":>8s} {"x plain":>8s}')
    for name, loss, seconds, plain in rows:
        print(f'{name:48s} {loss:10.4f} {1e3 * seconds:8.2f} {seconds / plain:8.2f}')


if __name__ == '__main__':
    main()
