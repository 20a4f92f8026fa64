"""Optimizer step time and state memory, every registered optimizer beside its peers.

Run ``python -m benchmarks.step [--quick] [--only KEY,...] [--older] [--peers] [--no-fused] [--threads N]``.

Two workloads (fp32, one thread by default): ``small`` = 5.26M parameters in 200 tensors of mixed
shapes, ``large`` = 21M parameters in 4 tensors. Each implementation is measured in a fresh
subprocess: warm-up steps excluded, median of the timed steps. The bandwidth floor of an algorithm
is the bytes it must touch per step (read parameter, gradient and state, write parameter and state:
``4 * (3 + 2 * state_floats)`` bytes per parameter, 28 for Adam) divided by the copy bandwidth
measured in the same subprocess. ``--older`` installs the older ``pytorch-optimizer`` release into
``.bench/`` (from PyPI) and measures its default for every shared key.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLDER_DIR = ROOT / '.bench' / 'older'
PEERS_DIR = ROOT / '.bench' / 'peers'
# torch-optimi classes of the same algorithm (pure Python: installed with --peers). timm's optimizers
# need torchvision, whose PyPI wheels do not load against the CPU build of torch 2.13: not measured.
OPTIMI = {'adamw': 'AdamW', 'sgd': 'SGD', 'lion': 'Lion', 'adan': 'Adan', 'radam': 'RAdam'}
OLDER_VERSION = '4.1.0'
WORKLOADS = {
    'small': [(256, 256), (144, 256), (256,), (2560,)] * 50,  # 5,260,800 params in 200 tensors
    'large': [(2048, 2560)] * 4,  # 20,971,520 params in 4 tensors
}
TORCH_PEERS = {'adamw': ('AdamW', ('loop', 'foreach', 'fused')), 'sgd': ('SGD', ('loop', 'foreach', 'fused'))}
SAME_ALGORITHM_IN_TORCH = {'radam': 'RAdam', 'adamax': 'Adamax', 'adadelta': 'Adadelta'}
QUICK = ('adamw', 'lion', 'adabelief', 'adamp')
# matrix preconditioners refresh eigendecompositions of every dimension: benchmarks/shampoo.py times them
SEPARATE = {'shampoo': 'benchmarks/shampoo.py', 'scalableshampoo': 'benchmarks/shampoo.py'}


# ------------------------------------------------------------------------------------------ child
def _bandwidth(torch) -> float:
    a, b = torch.ones(2**24), torch.ones(2**24)
    out = torch.empty(2**24)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        torch.add(a, b, out=out)
        times.append(time.perf_counter() - start)
    return 3 * 4 * 2**24 / statistics.median(times)  # bytes per second (read 2, write 1)


def _make_optimizer(torch, impl: str, params):
    source, name, mode = (impl.split(':') + [''])[:3]
    kwargs = {'lr': 1e-4}
    if source == 'optimi':
        import optimi

        return getattr(optimi, name)(params, **kwargs, **({'momentum': 0.9} if name == 'SGD' else {}))
    if source == 'torch':
        cls = getattr(torch.optim, name)
        if mode:
            kwargs.update(foreach=mode == 'foreach', **({'fused': True} if mode == 'fused' else {}))
        if name == 'SGD':
            kwargs['momentum'] = 0.9
        return cls(params, **kwargs)
    import pytorch_optimizer

    factory = pytorch_optimizer.load_optimizer(name)
    import inspect

    signature = inspect.signature(factory).parameters
    if 'num_iterations' in signature:
        kwargs['num_iterations'] = 1000
    if 'lr' not in signature:
        kwargs.pop('lr')
    if mode == 'fused':
        kwargs['fused'] = True
        cls = pytorch_optimizer.OPTIMIZERS.entry(name).cls
        defaults = inspect.signature(cls.__init__).parameters
        # flags on by default that break elementwise updates (Ranger's use_gc) are turned off
        kwargs.update({f: False for f in cls.non_elementwise_flags if f in defaults and defaults[f].default})
    elif mode:
        kwargs['foreach'] = mode == 'foreach'
    return factory(params, **kwargs)


def _measure_one(torch, impl: str, workload: str, steps: int, warmup: int) -> dict:
    gen = torch.Generator().manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(s, generator=gen) * 0.1) for s in WORKLOADS[workload]]
    for p in params:
        p.grad = torch.randn(p.shape, generator=gen) * 1e-2
    opt = _make_optimizer(torch, impl, params)
    closure = (lambda: torch.zeros(())) if getattr(opt, 'requires_closure', False) else None
    start = time.perf_counter()
    opt.step(closure)
    first = time.perf_counter() - start
    for _ in range(warmup - 1):
        opt.step(closure)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        opt.step(closure)
        times.append(time.perf_counter() - start)
    n = sum(p.numel() for p in params)
    state = sum(
        v.numel() * v.element_size() for s in opt.state.values() for v in s.values() if isinstance(v, torch.Tensor)
    )
    growth = _step_peak_bytes(opt, closure)
    return {
        'ms': 1e3 * statistics.median(times),
        'first_s': first,
        'state_bytes_per_param': state / n,
        # peak memory a step allocates beyond parameters, gradients and state, in fp32 parameter sizes
        'extra_per_param': growth / (4 * n) if growth is not None else float('nan'),
        'finite': all(bool(torch.isfinite(p).all()) for p in params),
    }


def _vm(field: str) -> int:
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ':'))


def _step_peak_bytes(opt, closure) -> int | None:
    """Peak resident memory a step adds (Linux): with glibc's mmap threshold fixed at 1 MiB, freed
    temporaries go back to the system, so the high-water mark (reset through ``clear_refs``) counts
    live temporaries rather than the allocator's cache. Run after the timed steps: it slows them."""
    try:
        libc = ctypes.CDLL('libc.so.6')
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
        libc.malloc_trim(0)
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        base = _vm('VmRSS')
    except OSError:
        return None
    opt.step(closure)
    return max(_vm('VmHWM') - base, 0)


def child(impl: str, workloads: list[str], steps: int, warmup: int) -> dict:
    """Measure ``impl`` on each workload, in the order given (small first: the RSS high-water mark
    of a later, larger workload is then not hidden by an earlier one)."""
    import torch

    return {workload: _measure_one(torch, impl, workload, steps, warmup) for workload in workloads}


# ----------------------------------------------------------------------------------------- parent
def measure(impl: str, workloads: list[str], args, env=None) -> dict:
    """Run ``impl`` on ``workloads`` in a fresh subprocess; ``{workload: result or None}``."""
    cmd = [sys.executable, '-m', 'benchmarks.step', '--child', impl, ','.join(workloads), '--steps', str(args.steps)]
    cmd += ['--warmup', str(args.warmup), '--threads', str(args.threads)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0:
        print(f'  {impl}: failed: {result.stderr.strip().splitlines()[-1:]}', file=sys.stderr)
        return dict.fromkeys(workloads)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _peers_env() -> dict | None:
    if not (PEERS_DIR / 'optimi').exists():
        cmd = [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', str(PEERS_DIR), 'torch-optimi']
        if subprocess.run(cmd).returncode != 0:
            return None
    return {**os.environ, 'PYTHONPATH': f'{PEERS_DIR}{os.pathsep}{ROOT}'}


def _older_env() -> dict | None:
    if not (OLDER_DIR / 'pytorch_optimizer').exists():
        cmd = [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', str(OLDER_DIR)]
        if subprocess.run([*cmd, f'pytorch-optimizer=={OLDER_VERSION}']).returncode != 0:
            return None
    return {**os.environ, 'PYTHONPATH': f'{OLDER_DIR}{os.pathsep}{ROOT}'}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--child', nargs=2, metavar=('IMPL', 'WORKLOAD'), help=argparse.SUPPRESS)
    parser.add_argument('--quick', action='store_true', help=f'only {", ".join(QUICK)}, fewer steps')
    parser.add_argument('--only', default=None, help='comma-separated registry keys')
    parser.add_argument('--workloads', default='small,large')
    parser.add_argument('--older', action='store_true', help=f'also measure pytorch-optimizer=={OLDER_VERSION}')
    parser.add_argument('--steps', type=int, default=None)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--no-fused', action='store_true', help='skip the compiled fused=True rows')
    parser.add_argument('--peers', action='store_true', help='also measure torch-optimi (installed into .bench/)')
    args = parser.parse_args(argv)
    os.environ['OMP_NUM_THREADS'] = str(args.threads)
    if args.child:
        import torch

        torch.set_num_threads(args.threads)
        if args.child[0] == 'bandwidth':
            print(json.dumps({'bandwidth': _bandwidth(torch)}))
        else:
            print(json.dumps(child(args.child[0], args.child[1].split(','), args.steps or 10, args.warmup)))
        return 0
    started = time.perf_counter()
    args.steps = args.steps or (5 if args.quick else 7)
    sys.path.insert(0, str(ROOT))
    import pytorch_optimizer as po

    keys = args.only.split(',') if args.only else (QUICK if args.quick else po.get_supported_optimizers())
    older = _older_env() if args.older else None
    peers = _peers_env() if args.peers else None
    bandwidth = statistics.median(measure('bandwidth', ['none'], args)['bandwidth'] for _ in range(3))
    print(f'copy bandwidth (one thread): {bandwidth / 1e9:.1f} GB/s')
    workloads = args.workloads.split(',')
    rows = []  # (key, implementation label, {workload: result})
    for key in keys:
        entry = po.OPTIMIZERS.entry(key)
        if entry.external and key not in TORCH_PEERS:
            continue
        if key in SEPARATE and not args.only:
            rows.append((key, f'n/a: measured by {SEPARATE[key]}', {}))
            continue
        if getattr(entry.cls, 'requires_closure', False) or getattr(entry.cls, 'second_order', False):
            rows.append((key, 'n/a: needs a closure or Hessian-vector products (see benchmarks/shampoo.py)', {}))
            continue
        impls = [f'zoo:{key}'] if not entry.external else []
        if not entry.external and entry.cls.elementwise and not args.no_fused:
            impls.append(f'zoo:{key}:fused')
        cls_name, modes = TORCH_PEERS.get(key, (SAME_ALGORITHM_IN_TORCH.get(key), ('loop', 'foreach')))
        impls += [f'torch:{cls_name}:{mode}' for mode in modes] if cls_name else []
        for impl in impls:
            rows.append((key, impl, measure(impl, workloads, args)))
        if peers is not None and key in OPTIMI:
            impl = f'optimi:{OPTIMI[key]}'
            rows.append((key, impl, measure(impl, workloads, args, env=peers)))
        if older is not None and not entry.external:
            rows.append((key, f'older {OLDER_VERSION}', measure(f'zoo:{key}', workloads, args, env=older)))
    for workload in workloads:
        _report(workload, [(key, impl, r.get(workload)) for key, impl, r in rows], bandwidth)
    print(f'total {time.perf_counter() - started:.0f} s')
    return 0


def _report(workload: str, rows, bandwidth: float) -> None:
    n = sum(1 for _ in WORKLOADS[workload])
    numel = sum(_numel(s) for s in WORKLOADS[workload])
    print(f'\n## workload {workload!r}: {n} tensors, {numel / 1e6:.2f}M params')
    header = ('key', 'implementation', 'ms/step', 'floor ms', 'x floor', 'x older', 'state B/param', 'extra')
    header += ('first s',)
    ms = {(key, impl): r['ms'] for key, impl, r in rows if r is not None}
    table = []
    for key, impl, r in rows:
        if r is None:
            table.append((key, impl, '' if impl.startswith('n/a') else 'failed', '', '', '', '', '', ''))
            continue
        floor = 1e3 * numel * 4 * (3 + 2 * r['state_bytes_per_param'] / 4) / bandwidth
        older = ms.get((key, f'older {OLDER_VERSION}'))
        vs_older = f"{older / r['ms']:.2f}" if older and impl.startswith('zoo:') else ''
        table.append(
            (key, impl, f"{r['ms']:.2f}", f'{floor:.2f}', f"{r['ms'] / floor:.1f}", vs_older,
             f"{r['state_bytes_per_param']:.2f}", f"{r['extra_per_param']:.2f}", f"{r['first_s']:.1f}")
        )  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
    for row in (header, ['-' * w for w in widths], *table):
        print('  '.join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())
    print("x older: the older release's step time / this row's (>1 = we are faster); extra: peak memory beyond")
    print('the state, in parameter sizes; first s: the first step (includes compilation on fused rows); fused rows')
    print("turn off flags that are on by default and break elementwise updates (Ranger's use_gc)")
    _summary(ms)


def _summary(ms: dict) -> None:
    older = {key: t for (key, impl), t in ms.items() if impl.startswith('older')}
    default = {key: older[key] / ms[key, f'zoo:{key}'] for key in older if (key, f'zoo:{key}') in ms}
    ours = {key: min(t for (k, i), t in ms.items() if k == key and i.startswith('zoo:')) for key in default}
    best = {key: older[key] / ours[key] for key in default}
    for label, ratios in (('default', default), ('best of default and fused', best)):
        if ratios:
            geomean = math.exp(statistics.fmean(math.log(r) for r in ratios.values()))
            slow = sorted(key for key, r in ratios.items() if r < 2.0)
            print(f'older / ours ({label}): geometric mean {geomean:.2f} over {len(ratios)}; under 2x: {slow}')

    def is_peer(impl: str) -> bool:  # non-fused implementations of other libraries
        return impl.startswith(('torch:', 'optimi:')) and not impl.endswith('fused')

    peers = {key: min(t for (k, i), t in ms.items() if k == key and is_peer(i))
             for key in {k for k, i in ms if is_peer(i)}}  # fmt: skip
    for key, peer in sorted(peers.items()):
        ours = min((t for (k, i), t in ms.items() if k == key and i.startswith('zoo:')), default=None)
        if ours is not None:
            print(f'{key}: fastest non-fused peer {peer:.2f} ms, ours {ours:.2f} ms ({peer / ours:.2f}x)')


def _numel(shape) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


if __name__ == '__main__':
    sys.exit(main())
