"""AggMo, single tensor, from Lucas et al. 2019, Algorithm 1."""

import torch


def aggmo_step(p, g, state, lr, betas=(0.0, 0.9, 0.99), weight_decay=0.0, weight_decouple=False, fixed_decay=False):
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    velocities = state.setdefault('v', [torch.zeros_like(p) for _ in betas])
    for i, beta in enumerate(betas):
        velocities[i] = beta * velocities[i] - g
    p.add_(lr / len(betas) * sum(velocities))
