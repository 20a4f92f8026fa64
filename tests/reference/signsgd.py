"""signSGD / Signum, single tensor, from Bernstein et al. 2018, Algorithms 1 and 3."""

import torch


def signsgd_step(p, g, state, lr, momentum=0.9, weight_decay=0.0, weight_decouple=True):
    if weight_decouple:
        p.mul_(1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    if momentum > 0:
        g = state['m'] = momentum * state.get('m', torch.zeros_like(p)) + (1 - momentum) * g
    p.sub_(lr * torch.sign(g))
