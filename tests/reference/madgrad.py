"""MADGRAD, single tensor, from Defazio & Jelassi 2021, Algorithm 1."""

import math

import torch


def madgrad_step(p, g, state, lr=1e-3, momentum=0.9, weight_decay=0.0, weight_decouple=False, eps=1e-6):
    t = state['t'] = state.get('t', 0) + 1
    if momentum > 0:
        x0 = state.setdefault('x0', p.clone())  # theta_0, before any decay
    if weight_decay and weight_decouple:
        p.mul_(1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * p
    if momentum == 0:  # z_{t-1} = theta_{t-1}: x_0 recovered from the iterate (authors' code; equal without decay)
        x0 = p + state.get('s', torch.zeros_like(p)) / (state.get('nu', torch.zeros_like(p)) ** (1 / 3) + eps)
    lamb = lr * math.sqrt(t)
    s = state['s'] = state.get('s', torch.zeros_like(p)) + lamb * g
    nu = state['nu'] = state.get('nu', torch.zeros_like(p)) + lamb * g * g
    z = x0 - s / (nu ** (1 / 3) + eps)
    c = 1 - momentum
    p.copy_((1 - c) * p + c * z)
