"""Command line: ``python -m pytorch_optimizer {list,info,compare} ...``.

* ``list [PATTERN]`` — registered optimizers, schedulers and wrappers (name, class, paper, kind);
* ``info NAME`` — signature, defaults and reference of one entry;
* ``compare [NAME ...] [--task teacher|rosenbrock|all]`` — trains the same model from the same seed
  with each optimizer on embedded tasks and prints final loss, accuracy, ms/step and state bytes;
  ``NAME+gen`` / ``NAME+genapprox`` add the GeN learning-rate method (exact / parabola fit);
* ``lr-find [NAME]`` — the learning-rate range test on an embedded task;
* ``plot NAME... --function rosenbrock --out DIR`` — trajectories on a 2-d test function (one PNG each).
"""

from __future__ import annotations

import argparse
import inspect
import math
import re
import sys
from collections.abc import Sequence

import pytorch_optimizer  # noqa: F401  (registers everything)
from pytorch_optimizer.lr_finder import add_lr_find_arguments, cmd_lr_find
from pytorch_optimizer.registry import LR_SCHEDULERS, OPTIMIZERS, WRAPPERS, Entry
from pytorch_optimizer.tasks import TASKS, Result, split_name, train
from pytorch_optimizer.visualize.plot import add_plot_arguments, cmd_plot

DEFAULT_COMPARE = ('sgd', 'adamw', 'adabelief', 'adamp', 'lion', 'radam', 'adan', 'lamb', 'prodigy')
LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)


def _paper(entry: Entry) -> str:
    module = sys.modules.get(entry.cls.__module__)
    match = re.search(r'https?://\S+', (module.__doc__ or '') if module else '')
    return match.group(0).rstrip('.,)') if match else ('torch.optim' if entry.external else '')


def _kind(registry_kind: str, entry: Entry) -> str:
    if entry.external:
        return f'{registry_kind} (torch)'
    return f'{registry_kind} variant' if entry.bound else registry_kind


def cmd_list(args: argparse.Namespace) -> int:
    rows = [
        (entry.key, entry.cls.__name__, _paper(entry), _kind(registry.kind, entry))
        for registry in (OPTIMIZERS, LR_SCHEDULERS, WRAPPERS)
        for entry in (registry.entries[k] for k in registry.names(args.pattern))
    ]
    _table(('name', 'class', 'paper', 'kind'), rows)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    for registry in (OPTIMIZERS, LR_SCHEDULERS, WRAPPERS):
        try:
            entry = registry.entry(args.name)
        except ValueError:
            continue
        print(f'{entry.key}: {entry.cls.__module__}.{entry.cls.__name__} ({_kind(registry.kind, entry)})')
        if entry.bound:
            print(f'  binds: {entry.bound}')
        print(f'  signature: {entry.cls.__name__}{inspect.signature(entry.load())}')
        print(f'  reference: {_paper(entry)}')
        doc = inspect.getdoc(entry.cls) or ''
        print('  ' + (doc.splitlines()[0] if doc else ''))
        return 0
    print(f'error: {OPTIMIZERS.kind} / scheduler / wrapper {args.name!r} is not registered', file=sys.stderr)
    OPTIMIZERS.entry(args.name)  # raises with suggestions
    return 2


def _progress(done: int, total: int, label: str) -> None:
    if not sys.stderr.isatty() and done not in (total,):
        return
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<28}")
    if done == total:
        sys.stderr.write('\n')
    sys.stderr.flush()


def _best(name: str, task_name: str, steps: int, lrs: Sequence[float], seed: int) -> Result:
    runs = [train(name, TASKS[task_name](), lr, steps, seed) for lr in lrs]
    return min(runs, key=lambda r: r.final_loss if math.isfinite(r.final_loss) else math.inf)


def _grid(name: str, lrs: Sequence[float]) -> tuple[float, ...]:
    """The lr grid plus the optimizer's own default (1.0 for learning-rate-free methods such as Prodigy)."""
    default = inspect.signature(OPTIMIZERS.load(name)).parameters.get('lr')
    extra = default.default if default is not None and isinstance(default.default, float) else None
    return tuple(lrs) + ((extra,) if extra is not None and extra not in lrs else ())


def cmd_compare(args: argparse.Namespace) -> int:
    names = args.names or [n for n in DEFAULT_COMPARE if n in OPTIMIZERS.entries]
    for name in names:
        OPTIMIZERS.entry(split_name(name)[0])  # unknown names fail before any training
    tasks = list(TASKS) if args.task == 'all' else [args.task]
    lrs = LR_GRID if args.lr == 'auto' else (float(args.lr),)
    results, total = [], len(names) * len(tasks)
    for i, (task, name) in enumerate((t, n) for t in tasks for n in names):
        _progress(i, total, f'{name} on {task}')
        steps = args.steps or TASKS[task]().default_steps
        base, method = split_name(name)
        key = OPTIMIZERS.entry(base).key + (f'+{method}' if method else '')
        results.append(_best(key, task, steps, _grid(base, lrs) if args.lr == 'auto' else lrs, args.seed))
    _progress(total, total, 'done')
    rows = [
        (
            r.name,
            r.task,
            f'{r.lr:g}',
            f'{r.final_loss:.4g}',
            '-' if r.accuracy is None else f'{100 * r.accuracy:.1f}%',
            f'{r.ms_per_step:.3f}',
            f'{r.state_bytes} ({r.state_bytes / max(r.num_params, 1):.0f} B/param)',
        )
        for r in results
    ]
    _table(('optimizer', 'task', 'lr', 'final loss', 'accuracy', 'ms/step', 'state bytes'), rows)
    if args.lr == 'auto':
        print(
            f"lr: best final loss over {list(LR_GRID)} and the optimizer's default lr (same seed, same data); "
            'ms/step: optimizer.step() only'
        )
    if args.plot:
        _plot(results, args.plot)
    return 0


def _plot(results: list[Result], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('--plot needs matplotlib: pip install "pytorch_optimizer[viz]"', file=sys.stderr)
        return
    tasks = sorted({r.task for r in results})
    fig, axes = plt.subplots(1, len(tasks), figsize=(6 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for r in (r for r in results if r.task == task):
            ax.semilogy(r.losses, label=f'{r.name} (lr={r.lr:g})')
        ax.set(title=task, xlabel='evaluation', ylabel='loss')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    print(f'wrote {path}')


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, ['-' * w for w in widths], *rows):
        print('  '.join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m pytorch_optimizer``."""
    parser = argparse.ArgumentParser(prog='python -m pytorch_optimizer', description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('list', help='list registered optimizers, schedulers and wrappers')
    p.add_argument('pattern', nargs='?', default=None, help="fnmatch pattern, e.g. '*adam*'")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser('info', help='signature, defaults and reference of one entry')
    p.add_argument('name')
    p.set_defaults(func=cmd_info)
    p = sub.add_parser('compare', help='train the same model with several optimizers and compare')
    p.add_argument('names', nargs='*', help=f'registry keys, NAME+gen for GeN (default: {" ".join(DEFAULT_COMPARE)})')
    p.add_argument('--task', choices=[*TASKS, 'all'], default='all')
    p.add_argument('--steps', type=int, default=None, help='steps per run (default: per task)')
    p.add_argument('--lr', default='auto', help="a learning rate, or 'auto' (best of a small grid)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--plot', default=None, metavar='FILE', help='write loss curves (needs matplotlib)')
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser('plot', help='optimizer trajectories on a 2-d test function (needs matplotlib)')
    add_plot_arguments(p)
    p.set_defaults(func=cmd_plot)
    p = sub.add_parser('lr-find', help='LR range test on an embedded task')
    add_lr_find_arguments(p)
    p.set_defaults(func=cmd_lr_find)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
