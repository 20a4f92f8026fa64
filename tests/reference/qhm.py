"""QHM, single tensor, from Ma & Yarats 2019, eq. (QHM)."""

import torch


def qhm_step(p, g, state, lr, momentum=0.0, nu=1.0, weight_decay=0.0, weight_decouple=False, fixed_decay=False):
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    b = state['b'] = momentum * state.get('b', torch.zeros_like(p)) + (1 - momentum) * g
    p.sub_(lr * ((1 - nu) * g + nu * b))
