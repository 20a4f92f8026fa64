"""GeN's probe: the displacement of one optimizer step, the optimizer's state snapshotted and restored.

Shared by :class:`~pytorch_optimizer.lr_scheduler.gen.GeN` and NewtonSummary (its ``updater`` direction).
Reference: Bu & Xu, "Gradient Descent with Generalized Newton's Method", ICLR 2025.
https://arxiv.org/abs/2407.02772
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

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
