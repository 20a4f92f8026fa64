"""AdaDelta, single tensor, from Zeiler 2012, Algorithm 1 (scaled by lr)."""

import torch


def adadelta_step(p, g, state, lr=1.0, rho=0.9, weight_decay=0.0, weight_decouple=False, fixed_decay=False, eps=1e-6):
    if weight_decay and weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    elif weight_decay:
        g = g + weight_decay * p
    eg2 = state['eg2'] = rho * state.get('eg2', torch.zeros_like(p)) + (1 - rho) * g * g
    dx = -torch.sqrt(state.get('edx2', torch.zeros_like(p)) + eps) / torch.sqrt(eg2 + eps) * g
    state['edx2'] = rho * state.get('edx2', torch.zeros_like(p)) + (1 - rho) * dx * dx
    p.add_(lr * dx)
