"""Prodigy's estimate of :math:`d`: the two passes over the group (by batches of whole tensors) and its update."""

from __future__ import annotations

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer


def group_dot_sum(
    opt: BaseOptimizer, batches: list[list[int]], params: list[Tensor], grads: list[Tensor], states: list[dict], dtype
) -> Tensor:
    r""":math:`\sum_i \langle g_i, \theta_{0,i} - \theta_i\rangle` over the group, summed in parameter order in
    ``dtype``; the differences :math:`\theta_0 - \theta` go to ``opt``'s ``work`` buffers."""
    dots = {}
    for idx in batches:  # temporaries per tensor into reused buffers on CPU, by foreach ops elsewhere
        g, p0, p = [grads[i] for i in idx], [states[i]['p0'] for i in idx], [params[i] for i in idx]
        dots.update(zip(idx, F.dots(opt.into('work', torch.sub, p0, p), g)))
    return F.ordered_sum([dots[i] for i in range(len(params))], dtype)


def s_l1_sum(
    opt: BaseOptimizer, batches: list[list[int]], grads: list[Tensor], states: list[dict], s_decay, s_rate, dtype
) -> Tensor:
    r"""Advance :math:`s \leftarrow` ``s_decay`` :math:`s +` ``s_rate`` :math:`g` (the states' ``s``) and return
    :math:`\sum_i \lVert s_i\rVert_1` over the group, summed in parameter order in ``dtype``."""
    l1, cpu = {}, grads[0].device.type == 'cpu'
    for idx in reversed(batches):  # backwards: the gradients read last are still in cache
        g, s = [grads[i] for i in idx], [states[i]['s'] for i in idx]
        torch._foreach_mul_(s, s_decay)
        torch._foreach_addcmul_(s, g, [s_rate] * len(g))
        l1.update(zip(idx, F.l1_norms(s, opt.scratch(g, 'work') if cpu else None)))
    return F.ordered_sum([l1[i] for i in range(len(grads))], dtype)


def advance_d(group: dict, ok: Tensor, d: Tensor, d_max: Tensor, numerator: Tensor, l1_sum: Tensor) -> Tensor:
    r"""Update ``d_max`` and ``d`` of ``group`` (0-d tensors) from :math:`\hat d_k = \kappa\, r_k / \lVert s_k\rVert_1`
    (``numerator`` :math:`r_k`, ``l1_sum``) and return the new ``d``: both stay where ``ok`` is False or the
    estimate is not finite, and the first estimate may jump straight to ``d_max``."""
    d_hat = group['d_coef'] * numerator / l1_sum
    valid = ok & torch.isfinite(d_hat)  # a zero 1-norm gives an infinite or NaN estimate
    group['d_max'] = d_max_new = torch.where(valid, torch.maximum(d_max, d_hat), d_max)
    d_new = torch.where(valid & (d == group['d0']), torch.maximum(d, d_hat), d)
    d_new = group['d'] = torch.where(valid, torch.minimum(d_max_new, d_new * group['growth_rate']), d)
    return d_new
