"""Adai's adaptive inertia :math:`\\beta_{1,t}` and the gradient weight :math:`1 - \\beta_{1,t}`, per coordinate."""

from __future__ import annotations

import torch
from torch import Tensor

from pytorch_optimizer.base.optimizer import BaseOptimizer


def inertia(
    opt: BaseOptimizer, exp_avg_sq: list[Tensor], scale: Tensor, beta0: float, d: float, eps: float
) -> tuple[list[Tensor], list[Tensor]]:
    r""":math:`\beta_{1,t} = \mathrm{clip}(1 - \beta_0 (v_t / \texttt{scale})^{1/(3-2d)}, 0, 1-\epsilon)` and
    :math:`1 - \beta_{1,t}` from the advanced :math:`v_t` (``scale``: a 0-d tensor of the parameters' dtype).

    On CPU with :math:`d = 1`, per tensor into ``opt``'s scratch buffers (reused between steps); else by
    foreach ops, a launch each for the batch.
    """
    one, coef = torch.ones_like(scale), -beta0 / scale
    if exp_avg_sq[0].device.type == 'cpu' and d == 1.0:  # per tensor into buffers reused between steps
        beta1, weight = opt.scratch(exp_avg_sq, 'beta1'), opt.scratch(exp_avg_sq, 'weight')  # beta1, 1 - beta1
        for v, b, w in zip(exp_avg_sq, beta1, weight):
            torch.mul(v, coef, out=b).add_(one).clamp_(0.0, 1.0 - eps)  # one: 0-d (a Python scalar is wrapped)
            torch.sub(one, b, out=w)
    else:  # foreach ops: a launch each for the batch
        beta1 = torch._foreach_mul(exp_avg_sq, coef) if d == 1.0 else torch._foreach_div(exp_avg_sq, scale)
        if d != 1.0:
            torch._foreach_pow_(beta1, 1.0 / (3.0 - 2.0 * d))
            torch._foreach_mul_(beta1, -beta0)
        torch._foreach_add_(beta1, 1.0)
        torch._foreach_clamp_min_(beta1, 0.0)
        torch._foreach_clamp_max_(beta1, 1.0 - eps)
        weight = torch._foreach_add(torch._foreach_neg(beta1), 1.0)
    return beta1, weight
