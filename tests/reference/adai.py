"""Adai, single tensor (its own group), from Xie et al. 2022, Algorithm 1 (+ AdaiS/AdaiW decay, dampening)."""

import torch


def adai_step(
    p,
    g,
    state,
    lr=1e-3,
    betas=(0.1, 0.99),
    weight_decay=0.0,
    weight_decouple=False,
    fixed_decay=False,
    stable_weight_decay=False,
    dampening=1.0,
    eps=1e-3,
):
    beta0, beta2 = betas
    t = state['t'] = state.get('t', 0) + 1
    if weight_decay and (weight_decouple or stable_weight_decay):
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    elif weight_decay:
        g = g + weight_decay * p
    v = state['v'] = beta2 * state.get('v', torch.zeros_like(p)) + (1 - beta2) * g * g
    v_hat = v / (1 - beta2**t)
    beta1 = (1 - beta0 * (v_hat / v_hat.mean()) ** (1 / (3 - 2 * dampening))).clamp(0.0, 1 - eps)
    prod = state['prod'] = state.get('prod', torch.ones_like(p)) * beta1
    m = state['m'] = beta1 * state.get('m', torch.zeros_like(p)) + (1 - beta1) ** dampening * g
    p.sub_(lr * beta0 ** (1 - dampening) * m / (1 - prod))
