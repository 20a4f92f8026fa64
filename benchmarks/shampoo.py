"""Shampoo step time on one 1024x1024 layer: between preconditioner refreshes and with one, beside Adam.

Run ``python -m benchmarks.shampoo [--threads N] [--repeats R]``. fp32 parameters, CPU (or CUDA if available
and ``--cuda``). Reports the median step time of ``torch.optim.Adam`` (foreach), ``Shampoo`` and
``ScalableShampoo`` (block_size 512 and 1024) on steps that only update statistics and precondition, and on
steps that also recompute the inverse roots (``eigh`` in float64), with the ratios to Adam.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from pytorch_optimizer import ScalableShampoo, Shampoo


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize()


def time_steps(make, device: torch.device, is_refresh, steps: int) -> tuple[float, float]:
    """Median seconds of a non-refresh step and of a refresh step (``is_refresh(step)`` tells which is which)."""
    p = torch.nn.Parameter(torch.randn(1024, 1024, device=device) * 0.02)
    opt = make([p])
    plain, refresh = [], []
    for step in range(1, steps + 1):
        p.grad = torch.randn_like(p)
        _sync(device)
        start = time.perf_counter()
        opt.step()
        _sync(device)
        elapsed = time.perf_counter() - start
        if step > 2:  # warm-up
            (refresh if is_refresh(step) else plain).append(elapsed)
    return statistics.median(plain) if plain else float('nan'), statistics.median(refresh) if refresh else float('nan')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=3, help='refresh steps measured per optimizer')
    parser.add_argument('--cuda', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device('cuda' if args.cuda and torch.cuda.is_available() else 'cpu')
    every = 5
    steps = every * args.repeats + 3
    rows = {
        'torch Adam (foreach)': (lambda ps: torch.optim.Adam(ps, lr=1e-3, foreach=True), lambda step: False),
        # Shampoo refreshes at steps 1, 1 + every, ...; ScalableShampoo at its start step and multiples of every
        'Shampoo': (
            lambda ps: Shampoo(ps, lr=1e-3, preconditioning_compute_steps=every),
            lambda s: (s - 1) % every == 0,
        ),
        'ScalableShampoo block 512': (
            lambda ps: ScalableShampoo(
                ps, lr=1e-3, start_preconditioning_step=1, preconditioning_compute_steps=every, block_size=512
            ),
            lambda s: s % every == 0,
        ),
        'ScalableShampoo block 1024': (
            lambda ps: ScalableShampoo(
                ps, lr=1e-3, start_preconditioning_step=1, preconditioning_compute_steps=every, block_size=1024
            ),
            lambda s: s % every == 0,
        ),
    }
    print(f'1024x1024 fp32 layer on {device}, {args.threads} thread(s); refresh = inverse roots recomputed')
    adam = None
    for name, (make, is_refresh) in rows.items():
        plain, refresh = time_steps(make, device, is_refresh, steps)
        if adam is None:
            adam = plain
            print(f'{name:28s} step {plain * 1e3:9.2f} ms')
            continue
        print(
            f'{name:28s} step {plain * 1e3:9.2f} ms ({plain / adam:6.1f}x Adam)   '
            f'refresh step {refresh * 1e3:9.2f} ms ({refresh / adam:7.1f}x Adam)'
        )


if __name__ == '__main__':
    main()
