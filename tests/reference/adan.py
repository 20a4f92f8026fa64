"""Adan, single tensor, from Xie et al. 2022, Algorithm 1 (authors' betas, zero-initialized, bias-corrected)."""

import torch


def adan_step(
    p,
    g,
    state,
    lr=1e-3,
    betas=(0.98, 0.92, 0.99),
    weight_decay=0.0,
    weight_decouple=False,
    max_grad_norm=0.0,
    eps=1e-8,
):
    b1, b2, b3 = betas
    if max_grad_norm > 0:  # a single tensor: its norm is the global norm
        g = g * min(1.0, max_grad_norm / (g.norm().item() + eps))
    t = state['t'] = state.get('t', 0) + 1
    prev = state.get('prev', g)
    diff = g - prev
    m = state['m'] = b1 * state.get('m', torch.zeros_like(p)) + (1 - b1) * g
    d = state['d'] = b2 * state.get('d', torch.zeros_like(p)) + (1 - b2) * diff
    n = state['n'] = b3 * state.get('n', torch.zeros_like(p)) + (1 - b3) * (g + b2 * diff) ** 2
    u = (m / (1 - b1**t) + b2 * d / (1 - b2**t)) / (torch.sqrt(n / (1 - b3**t)) + eps)
    if weight_decouple:
        p.copy_(p * (1 - lr * weight_decay) - lr * u)
    else:
        p.copy_((p - lr * u) / (1 + lr * weight_decay))
    state['prev'] = g.clone()
