"""LAMB's update direction before decay, :math:`u = c\\,q`: the scalar :math:`c` and the tensors :math:`q`."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer


def scaled_direction(
    opt: BaseOptimizer, group: dict, params: list[Tensor], exp_avg: list[Tensor], exp_avg_sq: list[Tensor]
) -> tuple[float, list[Tensor]] | None:
    r"""The update :math:`u = c\,q` without decay, from the advanced moments: ``(c, q)``, or None for no step.

    :math:`q = m_t / (\sqrt{v_t} + \epsilon\sqrt{1-\beta_2^t})` with :math:`c = \sqrt{1-\beta_2^t}/(1-\beta_1^t)`
    (no :math:`1-\beta_1^t` with ``adam_debias``; times RAdam's :math:`r_t` with ``rectify``, where :math:`r_t = 0`
    means no step); :math:`q = m_t` and no :math:`\sqrt{1-\beta_2^t}` while the rectified direction is not used.
    ``q`` lies in ``opt``'s ``update`` scratch buffers on CPU (reused between steps) or without the adaptive
    direction, else in fresh foreach results.
    """
    beta1, beta2 = group['betas']
    step = group['step']
    c = 1.0 if group['adam_debias'] else 1.0 / opt.bias_correction(beta1, step)
    adaptive = True
    if group['rectify']:
        r_t, adaptive = F.rectification(beta2, step, group['n_sma_threshold'], group['degenerated_to_sgd'])
        if r_t == 0.0:
            return None
        c *= r_t
    q = opt.scratch(params, 'update') if (on_cpu := params[0].device.type == 'cpu') or not adaptive else None
    if adaptive:  # m / (sqrt(v / bc2) + eps) = sqrt(bc2) * m / (sqrt(v) + eps * sqrt(bc2))
        bc2_sqrt = math.sqrt(opt.bias_correction(beta2, step))
        eps, c = F.cpu_scalar(group['eps'] * bc2_sqrt, params[0]), c * bc2_sqrt
        if on_cpu:  # per tensor in one reused buffer, while it is in cache
            for m, v, d in zip(exp_avg, exp_avg_sq, q):
                torch.div(m, torch.sqrt(v, out=d).add_(eps), out=d)
        else:  # three launches for the whole batch
            torch._foreach_add_(denom := torch._foreach_sqrt(exp_avg_sq), eps)
            q = torch._foreach_div(exp_avg, denom)
    else:
        F.copy_(q, exp_avg)
    return c, q
