"""Optimizer step time and state memory, every registered optimizer beside its peers.

Run ``python -m benchmarks.step [--quick] [--only KEY,...] [--older] [--peers] [--no-fused] [--rounds N]
[--cold] [--threads N]``.

Two workloads (fp32, one thread by default): ``small`` = 5.26M parameters in 200 tensors of mixed
shapes, ``large`` = 21M parameters in 4 tensors. Each measurement runs in a fresh process forked from a
server that imports only torch (the measured library goes first on that process's ``sys.path``, and
the process reports which ``pytorch_optimizer`` it imported); warm-up steps are excluded and the median
of the timed steps taken; every row is measured in ``--rounds`` interleaved rounds and the fastest
reported. The bandwidth floor of an algorithm is the bytes it must touch per step (read parameter,
gradient and state, write parameter and state: ``4 * (3 + 2 * state_floats)`` bytes per parameter, 28
for Adam) divided by the measured copy bandwidth. ``--older`` installs the older ``pytorch-optimizer``
release into ``.bench/`` (from PyPI) and measures its default for every shared key.
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
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLDER_DIR = ROOT / '.bench' / 'older'
PEERS_DIR = ROOT / '.bench' / 'peers'
CACHE_DIR = ROOT / '.bench' / 'inductor'  # kept between runs unless --cold
# torch-optimi classes of the same algorithm (pure Python: installed with --peers). timm's optimizers
# need torchvision, whose PyPI wheels do not load against the CPU build of torch 2.13: not measured.
OPTIMI = {'adamw': 'AdamW', 'sgd': 'SGD', 'lion': 'Lion', 'adan': 'Adan', 'radam': 'RAdam'}
OLDER_VERSION = '4.1.0'
WORKLOADS = {
    'small': [(256, 256), (144, 256), (256,), (2560,)] * 50,  # 5,260,800 params in 200 tensors
    'large': [(2048, 2560)] * 4,  # 20,971,520 params in 4 tensors
    'tiny': [(4, 4), (3,)],  # the harness's own test
}
TORCH_PEERS = {'adamw': ('AdamW', ('loop', 'foreach', 'fused')), 'sgd': ('SGD', ('loop', 'foreach', 'fused'))}
SAME_ALGORITHM_IN_TORCH = {'radam': 'RAdam', 'adamax': 'Adamax', 'adadelta': 'Adadelta'}
CHILD_TIMEOUT_S = 900  # one measurement (all workloads of one row)
STEP_BUDGET_S = 1.0  # timed steps of a slow row are cut to fit (at least 3)
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


def _make_optimizer(torch, impl: str, params, extra: dict):
    source, name, mode = (impl.split(':') + [''])[:3]
    kwargs = {'lr': 1e-4, **extra}
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


def _workload(torch, workload: str) -> list:
    gen = torch.Generator().manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(s, generator=gen) * 0.1) for s in WORKLOADS[workload]]
    for p in params:
        p.grad = torch.randn(p.shape, generator=gen) * 1e-2
    return params


def _measure_one(torch, impl: str, params: list, steps: int, warmup: int, extra: dict) -> tuple[dict, Callable]:
    """The timing of ``impl`` on ``params`` and a function that adds its memory use to it (to run after every
    timing of the process: the fixed mmap threshold it sets would slow later steps)."""
    opt = _make_optimizer(torch, impl, params, extra)
    closure = (lambda: torch.zeros(())) if getattr(opt, 'requires_closure', False) else None
    start = time.perf_counter()
    opt.step(closure)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(warmup - 1):
        opt.step(closure)
    per_step = (time.perf_counter() - start) / max(warmup - 1, 1)
    times = []
    for _ in range(max(3, min(steps, int(STEP_BUDGET_S / max(per_step, 1e-6))))):
        start = time.perf_counter()
        opt.step(closure)
        times.append(time.perf_counter() - start)
    n = sum(p.numel() for p in params)
    fixed_ms = _fixed_cost_ms(torch, impl, len(params), extra) if impl.endswith(':fused') else None
    state = sum(
        v.numel() * v.element_size() for s in opt.state.values() for v in s.values() if isinstance(v, torch.Tensor)
    )
    result = {
        'ms': 1e3 * statistics.median(times),
        'first_s': first,
        'state_bytes_per_param': state / n,
        'extra_per_param': float('nan'),
        'finite': all(bool(torch.isfinite(p).all()) for p in params),
        'steps': len(times),
        'fixed_ms': fixed_ms,
    }

    def add_memory() -> None:
        growth = _step_peak_bytes(opt, closure)
        if growth is not None:  # buffers reused between steps (BaseOptimizer.scratch) are extra memory too
            growth += getattr(opt, 'scratch_nbytes', lambda: 0)()
            # peak memory a step allocates beyond parameters, gradients and state, in fp32 parameter sizes
            result['extra_per_param'] = growth / (4 * n)

    return result, add_memory


def _fixed_cost_ms(torch, impl: str, count: int, extra: dict) -> float:
    """The median step of ``impl`` on ``count`` four-element tensors: the per-step cost that does not scale
    with the parameters (Python, and on fused rows torch's wrappers around each compiled call; the graph
    compiled for the workload is reused: sizes are symbolic)."""
    params = [torch.nn.Parameter(torch.full((4,), 0.1)) for _ in range(count)]
    for p in params:
        p.grad = torch.full((4,), 1e-2)
    opt = _make_optimizer(torch, impl, params, extra)
    for _ in range(3):
        opt.step()
    times = []
    for _ in range(15):
        start = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


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


def child(torch, request: dict, workloads: dict, warmup_s: float = 0.0) -> dict:
    """Measure ``request['impl']`` on each workload: every timing first, then the memory of each in the order
    given (small first: the RSS high-water mark of a later, larger workload is then not hidden by an earlier
    one; the memory measurement fixes glibc's mmap threshold at 1 MiB, which made a later timing page-fault
    on every 1 MiB temporary: 3-4x slower eager steps on the large workload). Runs in a forked process:
    ``request['path']`` goes first on ``sys.path``, so an older release or a peer library is the one
    imported (the server imports nothing but torch)."""
    if request['impl'] == 'bandwidth':
        return {'bandwidth': _bandwidth(torch), 'compile_warmup_s': warmup_s}
    sys.path[:0] = request['path']
    args = (request['steps'], request['warmup'], request.get('kwargs', {}))
    timed = {w: _measure_one(torch, request['impl'], workloads[w], *args) for w in request['workloads']}
    result = {}
    for workload, (measured, add_memory) in timed.items():  # memory after every timing (see _measure_one)
        if request['memory']:
            add_memory()
        result[workload] = measured
    module = sys.modules.get('pytorch_optimizer')
    result['imported'] = getattr(module, '__file__', None)
    return result


def server(threads: int) -> None:
    """Read one JSON request per line; answer each from a process forked for it (a fresh process that
    inherits only torch, imported and its compiler started here, and the workloads' parameters and
    gradients, built here once and copied on write), so no measurement sees another's allocator, caches or
    compiled graphs."""
    import signal

    import torch

    torch.set_num_threads(threads)
    workloads: dict[str, list] = {}  # built on first use, before the fork, and shared copy-on-write
    if sys.stdout.isatty():  # pragma: no cover - the parent always pipes
        raise SystemExit('the benchmark server is started by python -m benchmarks.step')
    out = os.fdopen(os.dup(1), 'w')
    os.dup2(2, 1)  # anything printed by a measurement (compile logs) goes to stderr, not the protocol
    # torch's one-time costs, paid here once instead of in every measurement: creating a process's first
    # optimizer imports dynamo (~1 s, torch.optim's too), and its first compiled graph starts inductor (~2 s)
    start = time.perf_counter()
    torch.compile(lambda x: x * 2.0 + 1.0, fullgraph=True)(torch.ones(8))
    warmup_s = time.perf_counter() - start
    for line in sys.stdin:
        request = json.loads(line)
        for name in request['workloads']:
            if name not in workloads:
                workloads[name] = _workload(torch, name)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the measurement process
            os.close(read)
            signal.alarm(CHILD_TIMEOUT_S)
            try:
                payload = json.dumps(child(torch, request, workloads, warmup_s))
            except BaseException as exc:  # reported as a failed row
                payload = json.dumps({'error': f'{type(exc).__name__}: {str(exc).splitlines()[:1]}'})
            with os.fdopen(write, 'w') as f:
                f.write(payload)
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as f:
            payload = f.read()
        _, status = os.waitpid(pid, 0)
        out.write((payload or json.dumps({'error': f'measurement process died (status {status})'})) + '\n')
        out.flush()


# ----------------------------------------------------------------------------------------- parent
class Server:
    """The parent's handle on one ``server`` process."""

    def __init__(self, args, cache_dir: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
        # compile in the measuring process: a worker pool started by the server would not survive the fork
        env.update(
            OMP_NUM_THREADS=str(args.threads), TORCHINDUCTOR_CACHE_DIR=cache_dir, TORCHINDUCTOR_COMPILE_THREADS='1'
        )
        cmd = [sys.executable, str(Path(__file__).resolve()), '--server', '--threads', str(args.threads)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.args = args

    def measure(self, impl: str, workloads: list[str], path: list[str], memory: bool, kwargs=None) -> dict:
        """``{workload: result or None}`` for ``impl`` (with constructor ``kwargs``) imported with ``path``
        first on ``sys.path``."""
        request = {'impl': impl, 'workloads': workloads, 'path': path, 'memory': memory, 'kwargs': kwargs or {}}
        request.update(steps=self.args.steps, warmup=self.args.warmup)
        self.proc.stdin.write(json.dumps(request) + '\n')
        self.proc.stdin.flush()
        result = json.loads(self.proc.stdout.readline() or '{"error": "the benchmark server died"}')
        if 'error' in result:
            where = f' (imported from {path[0]})' if path else ''
            print(f'  {impl}{where}: failed: {result["error"]}', file=sys.stderr)
            return dict.fromkeys(workloads)
        expected = path[0] if path else str(ROOT)
        imported = result.pop('imported', None)
        if imported is not None and not imported.startswith(expected):  # the older release, not ours
            raise RuntimeError(f'{impl}: imported {imported}, expected a package under {expected}')
        return result

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def _install(target: Path, package: str, probe: str) -> list[str] | None:
    """``sys.path`` for a measurement of ``package``, installed into ``target`` (from PyPI) if missing."""
    if not (target / probe).exists():
        cmd = [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', str(target), package]
        if subprocess.run(cmd).returncode != 0:
            return None
    return [str(target), str(ROOT)]


def _plan(args, po) -> list[tuple[str, str, str, list[str] | None, dict]]:
    """``(key, label, impl, sys.path, kwargs)`` rows; a ``None`` path marks a row that is not measured."""
    keys = args.only.split(',') if args.only else (QUICK if args.quick else po.get_supported_optimizers())
    older = _install(OLDER_DIR, f'pytorch-optimizer=={OLDER_VERSION}', 'pytorch_optimizer') if args.older else None
    peers = _install(PEERS_DIR, 'torch-optimi', 'optimi') if args.peers else None
    ours = [str(ROOT)]
    rows = []
    for key in keys:
        entry = po.OPTIMIZERS.entry(key)
        if entry.external and key not in TORCH_PEERS:
            continue
        if key in SEPARATE and not args.only:
            rows.append((key, f'n/a: measured by {SEPARATE[key]}', '', None, {}))
            continue
        if getattr(entry.cls, 'requires_closure', False) or getattr(entry.cls, 'second_order', False):
            label = 'n/a: needs a closure or Hessian-vector products (see benchmarks/shampoo.py)'
            rows.append((key, label, '', None, {}))
            continue
        impls = [f'zoo:{key}'] if not entry.external else []
        if not entry.external and entry.cls.elementwise and not args.no_fused:
            impls.append(f'zoo:{key}:fused')
        cls_name, modes = TORCH_PEERS.get(key, (SAME_ALGORITHM_IN_TORCH.get(key), ('loop', 'foreach')))
        impls += [f'torch:{cls_name}:{mode}' for mode in modes] if cls_name else []
        rows += [(key, impl, impl, ours, {}) for impl in impls]
        if peers is not None and key in OPTIMI:
            rows.append((key, f'optimi:{OPTIMI[key]}', f'optimi:{OPTIMI[key]}', peers, {}))
        if older is not None and not entry.external:
            # a variant row (amsbound = AdaBound(ams_bound=True)) is its class with the same flags there
            base = next(k for k, e in po.OPTIMIZERS.entries.items() if e.cls is entry.cls and not e.bound)
            rows.append((key, f'older {OLDER_VERSION}', f'zoo:{base}', older, dict(entry.bound)))
    return rows


def _combine(results: list[dict | None]) -> dict | None:
    """One row from its rounds: the fastest round's median (interference only ever slows a round down),
    memory and first-step time from the first round, and the spread between the rounds."""
    done = [r for r in results if r is not None]
    if not done:
        return None
    ms = [r['ms'] for r in done]
    fixed = [r['fixed_ms'] for r in done if r.get('fixed_ms') is not None]
    return {**done[0], 'ms': min(ms), 'spread': max(ms) / min(ms), 'fixed_ms': min(fixed) if fixed else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--server', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--quick', action='store_true', help=f'only {", ".join(QUICK)}')
    parser.add_argument('--only', default=None, help='comma-separated registry keys')
    parser.add_argument('--workloads', default='small,large')
    parser.add_argument('--older', action='store_true', help=f'also measure pytorch-optimizer=={OLDER_VERSION}')
    parser.add_argument('--steps', type=int, default=7, help='timed steps per round (fewer for a slow row)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=2, help='measurements of every row, interleaved')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--cold', action='store_true', help='compile fused rows with an empty inductor cache')
    parser.add_argument('--no-fused', action='store_true', help='skip the compiled fused=True rows')
    parser.add_argument('--peers', action='store_true', help='also measure torch-optimi (installed into .bench/)')
    args = parser.parse_args(argv)
    if args.server:
        server(args.threads)
        return 0
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    import pytorch_optimizer as po

    plan = _plan(args, po)
    workloads = args.workloads.split(',')
    results: dict[tuple[str, str], list] = {(key, label): [] for key, label, *_ in plan}
    spent: dict[str, float] = {}  # wall time per kind of row
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='inductor-') as fresh:
        cache_dir = fresh if args.cold else str(CACHE_DIR)
        print(f"inductor cache: {'cold (a fresh directory)' if args.cold else cache_dir}")
        bench = Server(args, cache_dir)
        probes = [bench.measure('bandwidth', [], [], False) for _ in range(3)]
        bandwidth = statistics.median(probe['bandwidth'] for probe in probes)
        start_s = probes[0]['compile_warmup_s']
        print(f"torch.compile's one-time start in a process (imports, first graph): {start_s:.1f} s")
        print(f'copy bandwidth (one thread): {bandwidth / 1e9:.1f} GB/s', flush=True)
        for round_ in range(args.rounds):
            for key, label, impl, path, kwargs in plan:
                if path is not None and (round_ == 0 or results[key, label][0][workloads[0]] is not None):
                    start = time.perf_counter()
                    results[key, label].append(bench.measure(impl, workloads, path, round_ == 0, kwargs))
                    kind = label.split(' ')[0] if label.startswith('older') else label.split(':')[0]
                    kind += ':fused' if label.endswith(':fused') else ''
                    spent[kind] = spent.get(kind, 0.0) + time.perf_counter() - start
        bench.close()
    rows = [
        (key, label, {w: _combine([r[w] for r in results[key, label]]) for w in workloads}) for key, label, *_ in plan
    ]
    for workload in workloads:
        _report(workload, [(key, label, r.get(workload)) for key, label, r in rows], bandwidth)
    print(f'total {time.perf_counter() - started:.0f} s ({args.rounds} rounds):', end=' ')
    print(', '.join(f'{kind} rows {t:.0f} s' for kind, t in sorted(spent.items(), key=lambda kv: -kv[1])))
    return 0


def _report(workload: str, rows, bandwidth: float) -> None:
    n = sum(1 for _ in WORKLOADS[workload])
    numel = sum(_numel(s) for s in WORKLOADS[workload])
    print(f'\n## workload {workload!r}: {n} tensors, {numel / 1e6:.2f}M params')
    header = ('key', 'implementation', 'ms/step', 'floor ms', 'x floor', 'x older', 'state B/param', 'extra')
    header += ('first s', 'spread')
    ms = {(key, impl): r['ms'] for key, impl, r in rows if r is not None}
    table = []
    for key, impl, r in rows:
        if r is None:
            table.append((key, impl, '' if impl.startswith('n/a') else 'failed', *[''] * 7))
            continue
        floor = 1e3 * numel * 4 * (3 + 2 * r['state_bytes_per_param'] / 4) / bandwidth
        older = ms.get((key, f'older {OLDER_VERSION}'))
        vs_older = f"{older / r['ms']:.2f}" if older and impl.startswith('zoo:') else ''
        table.append(
            (key, impl, f"{r['ms']:.2f}", f'{floor:.2f}', f"{r['ms'] / floor:.1f}", vs_older,
             f"{r['state_bytes_per_param']:.2f}", f"{r['extra_per_param']:.2f}", f"{r['first_s']:.1f}",
             f"{r['spread']:.2f}")
        )  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
    for row in (header, ['-' * w for w in widths], *table):
        print('  '.join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())
    print("x older: the older release's step time / this row's (>1 = we are faster); extra: peak memory beyond")
    print('the state, in parameter sizes; first s: the first step (on fused rows: tracing and, with --cold or a new')
    print("cache, compilation; not torch.compile's one-time start in a process, printed above);")
    print('spread: slowest / fastest round (ms/step is the fastest); fused rows turn off flags that are on by default')
    print("and break elementwise updates (Ranger's use_gc)")
    _fused_gaps(rows, numel, n, bandwidth)
    _summary(ms)


def _fused_gaps(rows, numel: int, count: int, bandwidth: float) -> None:
    """Fused rows over the 1.3x-floor target, with the measured per-step cost that does not scale with the
    parameters (the same optimizer on as many four-element tensors) and the rest against the floor."""
    from benchmarks.gaps import FUSED_REASONS

    over = []
    for key, impl, r in rows:
        if r is None or not impl.endswith(':fused') or r.get('fixed_ms') is None:
            continue
        floor = 1e3 * numel * 4 * (3 + 2 * r['state_bytes_per_param'] / 4) / bandwidth
        if r['ms'] > 1.3 * floor:
            over.append((key, r['ms'] / floor, r['fixed_ms'], (r['ms'] - r['fixed_ms']) / floor))
    if over:
        print(f'fused target (within 1.3x of the floor): rows over it; fixed = a step on {count} four-element tensors')
    for key, ratio, fixed, rest in sorted(over, key=lambda o: -o[1]):
        reason = FUSED_REASONS.get(key, FUSED_REASONS['*'])
        print(f'  {key:14s} {ratio:4.1f}x floor, fixed {fixed:5.2f} ms, the rest {rest:4.1f}x floor: {reason}')


def _summary(ms: dict) -> None:
    from benchmarks.gaps import REASONS

    older = {key: t for (key, impl), t in ms.items() if impl.startswith('older')}
    default = {key: older[key] / ms[key, f'zoo:{key}'] for key in older if (key, f'zoo:{key}') in ms}
    ours = {key: min(t for (k, i), t in ms.items() if k == key and i.startswith('zoo:')) for key in default}
    best = {key: older[key] / ours[key] for key in default}
    for label, ratios in (('default', default), ('best of default and fused', best)):
        if ratios:
            geomean = math.exp(statistics.fmean(math.log(r) for r in ratios.values()))
            under = sum(r < 2.0 for r in ratios.values())
            print(f'older / ours ({label}): geometric mean {geomean:.2f} over {len(ratios)}, {under} under 2x')
    if default:
        print('target (default >= 2x the older release): keys under it, with the measured reason')
        for key, ratio in sorted(default.items(), key=lambda kv: kv[1]):
            if ratio < 2.0:
                reason = REASONS.get(key, 'no reason recorded')
                print(f'  {key:14s} default {ratio:5.2f}x  best {best[key]:5.2f}x  {reason}')

    def is_peer(impl: str) -> bool:  # non-fused implementations of other libraries
        return impl.startswith(('torch:', 'optimi:')) and not impl.endswith('fused')

    peers = {key: min(t for (k, i), t in ms.items() if k == key and is_peer(i))
             for key in {k for k, i in ms if is_peer(i)}}  # fmt: skip
    for key, peer in sorted(peers.items()):
        mine = {i: t for (k, i), t in ms.items() if k == key and i.startswith('zoo:')}
        if mine:
            line = ', '.join(f'{i} {peer / t:.2f}x' for i, t in mine.items())
            print(f'{key}: fastest non-fused peer {peer:.2f} ms; {line}')


def _numel(shape) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


if __name__ == '__main__':
    sys.exit(main())
