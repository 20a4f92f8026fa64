"""Ranger, single tensor: RAdam (Liu et al. 2020, official denominator) + Lookahead (Zhang et al. 2019) + GC."""

import math

import torch


def ranger_step(
    p,
    g,
    state,
    lr=1e-3,
    betas=(0.95, 0.999),
    alpha=0.5,
    k=6,
    n_sma_threshold=5,
    degenerated_to_sgd=False,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    use_gc=True,
    gc_conv_only=False,
    adam_debias=False,
    eps=1e-5,
):
    b1, b2 = betas
    t = state['t'] = state.get('t', 0) + 1
    slow = state.setdefault('slow', p.clone())
    if use_gc and g.dim() > (3 if gc_conv_only else 1):
        g = g - g.mean(dim=tuple(range(1, g.dim())), keepdim=True)
    if weight_decay and weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    elif weight_decay:
        g = g + weight_decay * p
    m = state['m'] = b1 * state.get('m', torch.zeros_like(p)) + (1 - b1) * g
    v = state['v'] = b2 * state.get('v', torch.zeros_like(p)) + (1 - b2) * g * g
    m_hat = m if adam_debias else m / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    if rho_t >= n_sma_threshold:
        r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        p.sub_(lr * r * m_hat * math.sqrt(1 - b2**t) / (torch.sqrt(v) + eps))
    elif degenerated_to_sgd:
        p.sub_(lr * m_hat)
    if t % k == 0:
        slow.add_(alpha * (p - slow))
        p.copy_(slow)
