"""PNM, single tensor, from Xie et al. 2021, Algorithm 1 (SGD-style PNM)."""

import math

import torch


def pnm_step(p, g, state, lr, betas=(0.9, 1.0), weight_decay=0.0, weight_decouple=True, fixed_decay=False, eps=1e-8):
    beta1, beta0 = betas
    t = state['step'] = state.get('step', 0) + 1
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    buffers = state.setdefault('m', [torch.zeros_like(p), torch.zeros_like(p)])
    pos, neg = (0, 1) if t % 2 == 1 else (1, 0)  # the two buffers alternate roles
    buffers[pos] = beta1**2 * buffers[pos] + (1 - beta1**2) * g
    direction = ((1 + beta0) * buffers[pos] - beta0 * buffers[neg]) / math.sqrt((1 + beta0) ** 2 + beta0**2)
    p.sub_(lr * direction)
