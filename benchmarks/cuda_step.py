"""Optimizer step time on a CUDA device: ``python -m benchmarks.cuda_step [--older] [--all] [KEY ...]``.

Same two workloads as ``benchmarks.step`` (fp32: 5.26M parameters in 200 tensors; 21M in 4). For each
key: the zoo's default (``foreach=None``: one batch per device and dtype on CUDA) and, for elementwise
optimizers, ``fused=True`` (``torch.compile``: Triton kernels), beside torch's AdamW (for-loop,
foreach, fused) and, with ``--older``, the older release's default (``.bench/older``, in a subprocess).
Median of 50 steps after 5 warm-up steps, timed with CUDA events. The floor is the bytes the algorithm
must touch (``4 * (3 + 2 * state_floats)`` per parameter) over the measured device-to-device copy
bandwidth. ``first s`` is the first step (the compile, for fused rows); ``recompiled`` counts graphs
compiled after the fifth step (must be 0).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import torch

from benchmarks.step import OLDER_DIR, ROOT, WORKLOADS, _make_optimizer

DEFAULT = ('lion', 'adabelief', 'adamp', 'radam', 'adan', 'lamb', 'sgdw', 'madgrad', 'prodigy', 'adafactor')
DEVICE = 'cuda'
NO_STEP = ('lbfgs', 'sparseadam', 'shampoo', 'scalableshampoo')  # closures, sparse gradients, timed apart


def _graphs() -> int:
    return torch._dynamo.utils.counters['stats']['unique_graphs']


def bandwidth() -> float:
    """Device-to-device copy bandwidth in bytes per second (bytes read plus bytes written)."""
    a, b = torch.empty(2**28, device=DEVICE), torch.empty(2**28, device=DEVICE)
    for _ in range(3):
        b.copy_(a)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(20):
        b.copy_(a)
    end.record()
    torch.cuda.synchronize()
    return 20 * 2 * 4 * 2**28 / (start.elapsed_time(end) / 1e3)


def time_step(impl: str, workload: str, steps: int = 50) -> dict:
    gen = torch.Generator(device=DEVICE).manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(s, device=DEVICE, generator=gen) * 0.1) for s in WORKLOADS[workload]]
    for p in params:
        p.grad = torch.randn(p.shape, device=DEVICE, generator=gen) * 1e-2
    opt = _make_optimizer(torch, impl, params, {})
    torch.cuda.synchronize()
    start = time.perf_counter()
    opt.step()
    torch.cuda.synchronize()
    first = time.perf_counter() - start
    for _ in range(4):
        opt.step()
    before, times = _graphs(), []
    for _ in range(steps):
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        opt.step()
        end.record()
        torch.cuda.synchronize()
        times.append(begin.elapsed_time(end))
    n = sum(p.numel() for p in params)
    state = sum(v.numel() * v.element_size() for s in opt.state.values() for v in s.values() if torch.is_tensor(v))
    finite = all(bool(torch.isfinite(p).all()) for p in params)
    return {'ms': statistics.median(times), 'first_s': first, 'recompiled': _graphs() - before,
            'state_floats': state / (4 * n), 'finite': finite}  # fmt: skip


def _older(keys: list[str]) -> dict:
    """The older release's rows, measured in a subprocess that imports it first."""
    code = f'import sys; sys.path.insert(0, {str(OLDER_DIR)!r}); from benchmarks.cuda_step import _child; _child()'
    out = subprocess.run(
        [sys.executable, '-c', code, *keys], cwd=ROOT, capture_output=True, text=True, check=False, timeout=900
    )
    if out.returncode:
        print(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}


def _child() -> None:
    import pytorch_optimizer

    assert str(OLDER_DIR) in pytorch_optimizer.__file__, pytorch_optimizer.__file__
    result = {}
    for key in sys.argv[1:]:
        try:
            result[key] = {w: time_step(f'older:{key}', w) for w in ('small', 'large')}
        except Exception as error:  # a key the older release lacks or cannot run on CUDA
            result[key] = repr(error)[:120]
    print(json.dumps(result))


def main(argv: list[str]) -> None:
    import pytorch_optimizer as po

    older = '--older' in argv
    keys = [a for a in argv if not a.startswith('--')] or list(DEFAULT)
    if '--all' in argv:
        keys = sorted(k for k, e in po.OPTIMIZERS.entries.items() if k not in NO_STEP and not e.external)
    bw = bandwidth()
    print(f'device: {torch.cuda.get_device_name()}, torch {torch.__version__}, copy bandwidth {bw / 1e9:.0f} GB/s')
    impls = [f'torch:AdamW:{m}' for m in ('loop', 'foreach', 'fused')]
    for key in keys:
        impls.append(f'zoo:{key}')
        if getattr(po.OPTIMIZERS.entry(key).cls, 'elementwise', False):
            impls.append(f'zoo:{key}:fused')
    olds = _older(keys) if older else {}
    numel = {w: sum(torch.Size(s).numel() for s in WORKLOADS[w]) for w in ('small', 'large')}
    print(f"{'implementation':<26}" + ''.join(f'{w + h:>13}' for w in ('small ', 'large ') for h in ('ms', 'xfloor')),
          f"{'first s':>8} {'recompiled':>10} {'x older':>14}")  # fmt: skip
    for impl in impls:
        try:
            r = {w: time_step(impl, w) for w in ('small', 'large')}
        except Exception as error:  # needs a closure, Hessian-vector products, ...
            print(f'{impl:<26} not measured: {error!r:.100}')
            continue
        cells = ''
        for w in ('small', 'large'):
            floor = 1e3 * numel[w] * 4 * (3 + 2 * r[w]['state_floats']) / bw
            cells += f"{r[w]['ms']:13.3f}{r[w]['ms'] / floor:13.2f}"
        key = impl.split(':')[1]
        old, vs = olds.get(key), ''
        if isinstance(old, dict) and impl.startswith('zoo'):
            vs = f"{old['small']['ms'] / r['small']['ms']:.2f}/{old['large']['ms'] / r['large']['ms']:.2f}"
        finite = '' if all(r[w]['finite'] for w in r) else '  NON-FINITE'
        recompiled = sum(r[w]['recompiled'] for w in r)
        print(f"{impl:<26}{cells} {r['small']['first_s']:8.1f} {recompiled:>10} "
              f"{vs:>14}{finite}", flush=True)  # fmt: skip
    for key, old in olds.items():
        if not isinstance(old, dict):
            print(f'older {key}: {old}')


if __name__ == '__main__':
    main(sys.argv[1:])
