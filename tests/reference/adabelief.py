"""AdaBelief, single tensor, from Zhuang et al. 2020, Algorithm 2 (+ RAdam rectification, AMSGrad, AdamD)."""

import math

import torch


def adabelief_step(
    p,
    g,
    state,
    lr,
    betas,
    eps,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    rectify=False,
    n_sma_threshold=5,
    degenerated_to_sgd=True,
    ams_bound=False,
    adam_debias=False,
):
    beta1, beta2 = betas
    t = state['t'] = state.get('t', 0) + 1
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    m = state['m'] = beta1 * state.get('m', torch.zeros_like(p)) + (1 - beta1) * g
    s = state['s'] = beta2 * state.get('s', torch.zeros_like(p)) + (1 - beta2) * (g - m) ** 2 + eps
    if ams_bound:
        s = state['s_max'] = torch.maximum(state.get('s_max', torch.zeros_like(p)), s)
    m_hat_scale = 1.0 if adam_debias else 1.0 / (1 - beta1**t)
    denom = torch.sqrt(s / (1 - beta2**t)) + eps
    if not rectify:
        p.sub_(lr * m_hat_scale * m / denom)
        return
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    if rho_t >= n_sma_threshold:
        r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        p.sub_(lr * m_hat_scale * r_t * m / denom)
    elif degenerated_to_sgd:
        p.sub_(lr * m_hat_scale * m)
