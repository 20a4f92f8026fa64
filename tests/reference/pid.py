"""PID, single tensor, from An et al. 2018 (P + I + D terms of the official code, D_1 = 0)."""

import torch


def pid_step(
    p,
    g,
    state,
    lr,
    momentum=0.0,
    dampening=0.0,
    derivative=10.0,
    integral=5.0,
    weight_decay=0.0,
    weight_decouple=False,
    fixed_decay=False,
):
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    if momentum == 0:
        p.sub_(lr * g)
        return
    g_prev = state.get('g_prev', g)
    i_term = state['i'] = momentum * state.get('i', torch.zeros_like(p)) + (1 - dampening) * g
    d_term = state['d'] = momentum * state.get('d', torch.zeros_like(p)) + (1 - momentum) * (g - g_prev)
    state['g_prev'] = g.clone()
    p.sub_(lr * (g + integral * i_term + derivative * d_term))
