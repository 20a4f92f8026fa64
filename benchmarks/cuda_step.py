"""Optimizer step time on a CUDA device: ``python -m benchmarks.cuda_step [KEY ...]``.

Same two workloads as ``benchmarks.step`` (fp32: 5.26M parameters in 200 tensors; 21M in 4), the
zoo's default (``foreach=None``: one batch per device and dtype on CUDA) beside torch's AdamW
(for-loop, foreach, fused). Median of 50 steps after 5 warm-up steps, timed with CUDA events.
"""

from __future__ import annotations

import statistics
import sys
from functools import partial

import torch

from benchmarks.step import WORKLOADS

DEFAULT = ('lion', 'adabelief', 'adamp', 'radam', 'adan', 'lamb', 'sgdw', 'madgrad', 'prodigy', 'adafactor')


def time_step(make, workload: str, steps: int = 50) -> float:
    gen = torch.Generator(device='cuda').manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(s, device='cuda', generator=gen) * 0.1) for s in WORKLOADS[workload]]
    for p in params:
        p.grad = torch.randn(p.shape, device='cuda', generator=gen) * 1e-2
    opt = make(params)
    for _ in range(5):
        opt.step()
    times = []
    for _ in range(steps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        opt.step()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main(argv: list[str]) -> None:
    import pytorch_optimizer as po

    keys = argv or list(DEFAULT)
    modes = {'loop': {'foreach': False}, 'foreach': {'foreach': True}, 'fused': {'fused': True}}
    impls = {f'torch AdamW {m}': partial(torch.optim.AdamW, lr=1e-4, **kw) for m, kw in modes.items()}
    for key in keys:
        impls[key] = partial(po.load_optimizer(key), lr=1e-4)
    print(f'device: {torch.cuda.get_device_name()}, torch {torch.__version__}')
    print(f"{'implementation':<22} {'small ms':>9} {'large ms':>9}")
    for name, make in impls.items():
        print(f'{name:<22} {time_step(make, "small"):9.3f} {time_step(make, "large"):9.3f}', flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
