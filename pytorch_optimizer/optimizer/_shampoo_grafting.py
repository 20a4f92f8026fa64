"""Scalable Shampoo's graft directions (SGD, AdaGrad, RMSProp, ``sqrt_n``), layer-wise grafting of the Shampoo
direction to their norms, and the momentum step.
"""

from __future__ import annotations

import torch
from torch import Tensor


def momentum_step(group: dict, params: list[Tensor], momentum: list[Tensor], directions: list[Tensor]) -> None:
    """Weight decay, the momentum update (Nesterov or not) and the parameter step of Scalable Shampoo."""
    beta1 = group['betas'][0]
    if group['weight_decay'] > 0.0:
        if group['decoupled_weight_decay']:
            torch._foreach_mul_(params, 1.0 - group['lr'] * group['weight_decay'])
        else:
            directions = torch._foreach_add(directions, params, alpha=group['weight_decay'])
    w = (1.0 - beta1) if group['moving_average_for_momentum'] else 1.0
    scale = w if group['decoupled_learning_rate'] else w * group['lr']
    torch._foreach_mul_(momentum, beta1)
    torch._foreach_add_(momentum, directions, alpha=scale)
    update = momentum
    if group['nesterov']:
        update = torch._foreach_mul(momentum, beta1)
        torch._foreach_add_(update, directions, alpha=scale)
    torch._foreach_add_(params, update, alpha=-group['lr'] if group['decoupled_learning_rate'] else -1.0)


def graft_directions(group: dict, grads: list[Tensor], graft_statistics: list[Tensor] | None) -> list[Tensor]:
    """The graft optimizer's directions (updating the AdaGrad/RMSProp statistics)."""
    beta2, graft = group['betas'][1], group['graft_type']
    if graft in ('adagrad', 'rmsprop'):
        if graft == 'rmsprop':
            torch._foreach_mul_(graft_statistics, beta2)
        torch._foreach_addcmul_(graft_statistics, grads, grads, value=1.0 - beta2 if graft == 'rmsprop' else 1.0)
        denom = torch._foreach_sqrt(graft_statistics)
        torch._foreach_add_(denom, group['diagonal_eps'])
        directions = torch._foreach_div(grads, denom)
    else:
        directions = torch._foreach_sign(grads) if graft == 'sqrt_n' else grads
    return directions


def rescale_to_norms(shampoo: list[Tensor], directions: list[Tensor]) -> list[Tensor]:
    """Layer-wise grafting: each Shampoo direction rescaled to the norm of the graft direction."""
    ratios = torch._foreach_div(
        torch._foreach_norm(directions), torch._foreach_add(torch._foreach_norm(shampoo), 1e-16)
    )
    return torch._foreach_mul(shampoo, ratios)
