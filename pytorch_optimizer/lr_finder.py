"""Learning-rate finder: the LR range test.

Reference: Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the LR range test:
train a few hundred steps while the LR grows, read a good LR off the loss curve).
https://arxiv.org/abs/1506.01186

The LR sweeps from ``start_lr`` to ``end_lr`` (exponentially or linearly) while the model trains on the
user's loader or loss function; the loss after each step is smoothed (debiased exponential moving
average), the test stops early when the smoothed loss exceeds ``diverge_th`` times its best value or
is not finite, and the model (parameters, buffers, gradients) and the optimizer (state and param
groups) are restored bit-identically afterwards. The suggestion is the LR of steepest descent of the
smoothed loss against ``log(lr)``.

The range test (``LRFinder``, ``find_lr``) lives in ``pytorch_optimizer._lr_range_test``, the curve
(``LRFinderResult``, ``suggest_lr``) in ``pytorch_optimizer._lr_finder_result``; this module re-exports
them and holds the ``lr-find`` command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from pytorch_optimizer._lr_finder_result import LRFinderResult, suggest_lr
from pytorch_optimizer._lr_range_test import LRFinder, find_lr

__all__ = [
    'LRFinder',
    'LRFinderResult',
    'add_lr_find_arguments',
    'cmd_lr_find',
    'find_lr',
    'run_lr_find',
    'run_lr_find_cli',
    'suggest_lr',
]


def add_lr_find_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``lr-find`` options to ``parser`` (used by ``python -m pytorch_optimizer lr-find``)."""
    from pytorch_optimizer.tasks import TASKS

    parser.add_argument('optimizer', nargs='?', default='adamw', help='registry key (default: adamw)')
    parser.add_argument('--task', choices=list(TASKS), default='teacher')
    parser.add_argument('--start-lr', type=float, default=1e-6)
    parser.add_argument('--end-lr', type=float, default=10.0)
    parser.add_argument('--num-iter', type=int, default=100)
    parser.add_argument('--step-mode', choices=('exp', 'linear'), default='exp')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--plot', default=None, metavar='FILE', help='write the curve (needs matplotlib)')
    return parser


def run_lr_find(
    optimizer: str = 'adamw', task: str = 'teacher', seed: int = 0, **kwargs: Any
) -> tuple[LRFinderResult, Any]:
    """Run the range test on an embedded task (``pytorch_optimizer.tasks``); returns the result and the task."""
    from pytorch_optimizer.tasks import TASKS, build_optimizer

    problem = TASKS[task]()
    model = problem.model(seed)
    opt = build_optimizer(optimizer, model, kwargs.get('start_lr', 1e-6), kwargs.get('num_iter', 100))
    result = LRFinder(model, opt).range_test(closure=lambda step: problem.loss(model, step), **kwargs)
    return result, problem


def cmd_lr_find(args: argparse.Namespace) -> int:
    """Body of the ``lr-find`` subcommand: print the curve and the suggestion."""
    result, _ = run_lr_find(
        args.optimizer,
        args.task,
        args.seed,
        start_lr=args.start_lr,
        end_lr=args.end_lr,
        num_iter=args.num_iter,
        step_mode=args.step_mode,
    )
    every = max(1, len(result.lrs) // 20)
    print(f'{"lr":>12}  {"loss":>10}')
    for lr, loss in list(zip(result.lrs, result.losses))[::every]:
        print(f'{lr:12.4g}  {loss:10.4g}')
    stop = 'diverged, stopped early' if result.diverged else 'completed'
    suggestion = 'none (curve too short)' if result.suggestion is None else f'{result.suggestion:.3g}'
    print(f'{args.optimizer} on {args.task}: {len(result.lrs)} steps ({stop}); suggested lr: {suggestion}')
    if args.plot:
        result.plot(path=args.plot)
        print(f'wrote {args.plot}')
    return 0


def run_lr_find_cli(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: ``run_lr_find_cli(['adamw', '--task', 'teacher'])``."""
    parser = argparse.ArgumentParser(prog='python -m pytorch_optimizer lr-find', description='LR range test')
    return cmd_lr_find(add_lr_find_arguments(parser).parse_args(argv))
