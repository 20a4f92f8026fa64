"""Amos, single tensor, from Tian & Parikh 2022 (the authors' scale_by_amos with per-tensor v, b)."""

import math

import torch


def eta(p):
    return 0.5 if p.dim() <= 1 else math.sqrt((2.0 if p.dim() == 2 else 1.0) / p.size(1))


def amos_step(p, g, state, lr=1e-3, beta=0.999, momentum=0.0, extra_l2=0.0, c_coef=0.25, d_coef=0.25, eps=1e-18):
    t = state['t'] = state.get('t', 0) + 1
    g2 = (g * g).mean()
    v = state['v'] = beta * state.get('v', torch.tensor(0.0, dtype=p.dtype)) + (1 - beta) * g2
    r = (1 - beta**t) / torch.clamp(v, min=eps)
    b = state.get('b', torch.tensor(0.0, dtype=p.dtype))
    gamma = lr**2 * r * g2 / torch.sqrt(1 + c_coef * math.sqrt(lr) * b)
    init_lr = lr * eta(p)
    delta = (-init_lr * torch.sqrt(r) * g - (0.5 * gamma + extra_l2) * p) / (1 + d_coef * math.sqrt(init_lr) * b)
    state['b'] = b + gamma * (1 + b)
    if momentum > 0:
        delta = state['m'] = momentum * state.get('m', torch.zeros_like(p)) + (1 - momentum) * delta
    p.add_(delta)
