"""Newton-summary inputs: the partitions (parameter groups) from a model, the validated settings, the directions
``u`` per subset and the loss the summary differentiates.

Reference: Wolinski, "Adapting Newton's Method to Neural Networks through a Summary of Higher-Order
Derivatives", arXiv 2023. https://arxiv.org/abs/2312.03885 (code: p-wol/GroupedNewton, ``grnewt``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from pytorch_optimizer.base.validation import (
    check_bool,
    check_non_negative,
    check_positive_int,
    check_range,
    owner_name,
)
from pytorch_optimizer.lr_scheduler._gen_probe import evaluate, probe_direction


def _groups(model: nn.Module, key: Callable[[str], Any]) -> tuple[list[dict], list[list[str]]]:
    buckets: dict[Any, tuple[list[Tensor], list[str]]] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            params, names = buckets.setdefault(key(name), ([], []))
            params.append(p)
            names.append(name)
    return [{'params': ps} for ps, _ in buckets.values()], [ns for _, ns in buckets.values()]


def _wb_key(name: str) -> int:
    last = name.rsplit('.', 1)[-1]
    return 0 if last == 'weight' else 1 if last == 'bias' else 2


def canonical(model: nn.Module) -> tuple[list[dict], list[list[str]]]:
    """One subset per parameter tensor: ``(param_groups, name_groups)``."""
    return _groups(model, lambda name: name)


def trivial(model: nn.Module) -> tuple[list[dict], list[list[str]]]:
    """One subset holding every parameter."""
    return _groups(model, lambda name: 0)


def wb(model: nn.Module) -> tuple[list[dict], list[list[str]]]:
    """Weights (names ending in ``.weight``), biases (``.bias``), the rest; empty subsets dropped."""
    groups, names = _groups(model, _wb_key)
    order = sorted(range(len(groups)), key=lambda i: _wb_key(names[i][0]))
    return [groups[i] for i in order], [names[i] for i in order]


partition = SimpleNamespace(canonical=canonical, trivial=trivial, wb=wb)


def settings(owner: Optimizer, values: dict[str, Any]) -> dict[str, Any]:
    """The validated defaults of :class:`.NewtonSummary` from its ``__init__`` arguments (errors name ``owner``)."""
    name, full_loss, updater = owner_name(owner), values['full_loss'], values['updater']
    if (full_loss is None) != (values['hg_loader'] is None):
        raise ValueError(f'{name}: give both full_loss and hg_loader, or neither (closure mode)')
    if full_loss is not None and not callable(full_loss):
        raise TypeError(f'{name}: full_loss must be callable, got {full_loss!r}')
    if updater is not None and not isinstance(updater, Optimizer):
        raise TypeError(f'{name}: updater must be a torch.optim.Optimizer, got {updater!r}')
    dct_nesterov = values['dct_nesterov']
    nest = {'use': False, 'damping_int': 0.0, 'mom_order3_': 0.0, **(dct_nesterov or {})}
    if not isinstance(dct_nesterov, dict | None) or set(nest) - {'use', 'damping_int', 'mom_order3_'}:
        raise ValueError(f"{name}: dct_nesterov takes 'use', 'damping_int', 'mom_order3_', got {dct_nesterov!r}")
    out = dict(
        lr=0.0,
        summary_lr=0.0,
        damping=check_range(owner, 'damping', values['damping'], 0.0, 1.0, low_inclusive=False, high_inclusive=True),
        nesterov=check_bool(owner, "dct_nesterov['use']", nest['use']),
        damping_int=check_non_negative(owner, "dct_nesterov['damping_int']", nest['damping_int']),
        mom_order3_=check_range(owner, "dct_nesterov['mom_order3_']", nest['mom_order3_'], 0.0, 1.0),
        period_hg=check_positive_int(owner, 'period_hg', values['period_hg']),
    )
    for key in ('mom_lrs', 'movavg'):
        out[key] = check_range(owner, key, values[key], 0.0, 1.0)
    out['ridge'] = check_non_negative(owner, 'ridge', values['ridge'])
    for key in ('noregul', 'remove_negative', 'maintain_true_lrs', 'diagonal'):
        out[key] = check_bool(owner, key, values[key])
    for key in ('momentum', 'momentum_damp'):
        out[key] = check_range(owner, key, values[key], 0.0, 1.0, high_inclusive=True)
    return out


def search_directions(opt: Optimizer, updater: Optimizer | None) -> tuple[tuple, ...] | None:
    """``(indices, groups, originals, views, directions)`` of a NewtonSummary step ``opt`` over its groups with a
    gradient (their parameters with one, the real views of those, ``u`` per group); ``None``, with no buffer changed,
    when no parameter has a gradient or a gradient is not finite. ``u`` is the momentum buffer ``buf ← μ buf +
    (1-μ_d) g`` (a parameter's first buffer is its gradient) or the displacement of one ``updater`` step (its state
    keeps the step; 0 for a parameter the updater leaves alone).
    """
    grads = [p.grad for group in opt.param_groups for p in group['params'] if p.grad is not None]
    grads = [g for g in grads if not g.is_sparse]  # a sparse gradient is refused below
    if grads and not bool(torch.stack([torch.isfinite(g).all() for g in grads]).all()):
        return None  # a non-finite gradient: no buffer, parameter, lr or counter changes
    active, directions = [], []  # active: (group index, group, parameters with a gradient, their real views)
    for index, group in enumerate(opt.param_groups):
        originals = [p for p in group['params'] if p.grad is not None]
        fresh = [opt.state[p].get('momentum_buffer') is None for p in originals]
        params, grads, states = opt._gather(group)
        if not params:
            continue
        bufs = [s['momentum_buffer'] for s in states]
        if updater is None:
            torch._foreach_mul_(bufs, group['momentum'])
            torch._foreach_add_(bufs, grads, alpha=1.0 - group['momentum_damp'])
            for buf, grad, first in zip(bufs, grads, fresh):
                if first:  # a parameter's first buffer is its gradient
                    buf.copy_(grad)
        active.append((index, group, originals, params))
        directions.append(bufs)
    if not active:
        return None
    indices, groups, originals, views = zip(*active)
    if updater is not None:  # u: the displacement of one updater step (its state keeps the step)
        probe = probe_direction(updater, unit_lr=False, restore_state=False)
        moved = {p: torch.view_as_real(d) if d.is_complex() else d for ps, ds in probe for p, d in zip(ps, ds)}
        directions = [
            [moved[o] if o in moved else torch.zeros_like(p) for o, p in zip(group_originals, group_views)]
            for group_originals, group_views in zip(originals, views)
        ]
    return indices, groups, originals, views, directions


def _hg_batch(opt: Optimizer) -> tuple[Any, Any]:
    for _ in range(2):
        if opt._hg_iter is None:
            opt._hg_iter = iter(opt._hg_loader)
        try:
            batch = next(opt._hg_iter)
            return opt._pre_hook(batch) if opt._pre_hook is not None else batch
        except StopIteration:
            opt._hg_iter = None
    raise ValueError(f'{owner_name(opt)}: hg_loader is empty')


def summary_loss(opt: Optimizer, closure: Callable[..., Any] | None) -> Tensor:
    """The loss the summary differentiates, with its graph: ``full_loss(x, y)`` on the next ``hg_loader`` batch
    (the loader cycled endlessly, each batch mapped by ``loader_pre_hook``), else ``closure(backward=False)``."""
    return opt._full_loss(*_hg_batch(opt)) if opt._full_loss is not None else evaluate(closure)
