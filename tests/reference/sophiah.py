"""Sophia-H, single tensor, from Liu et al. 2023, Algorithm 3 (older library's parametrization, see the class).

``diag`` is the Hutchinson estimate z * (H z) of this step, or None on steps without a new estimate.
"""

import torch


def sophiah_step(p, g, diag, state, lr, betas, eps, p_clip, weight_decay=0.0, weight_decouple=True, fixed_decay=False):
    beta1, beta2 = betas
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    m = state['m'] = beta1 * state.get('m', torch.zeros_like(p)) + (1 - beta1) * g
    if diag is not None:
        state['h'] = beta2 * state.get('h', torch.zeros_like(p)) + (1 - beta2) * diag
    ratio = m / torch.clamp(state['h'], min=eps)
    p.sub_(lr * torch.clamp(ratio, -p_clip, p_clip))
