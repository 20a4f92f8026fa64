"""SGDP, single tensor, from Heo et al. 2021 (Algorithm 2 and the official clovaai/AdamP code)."""

import math

import torch


def project(p, g, d, delta, wd_ratio, eps):
    """Remove the radial part of d (per channel, else per layer) when p looks scale-invariant."""
    for view in (lambda x: x.reshape(x.shape[0], -1), lambda x: x.reshape(1, -1)):
        cos = torch.nn.functional.cosine_similarity(view(g), view(p), dim=1, eps=eps).abs()
        if cos.max() < delta / math.sqrt(view(p).shape[1]):
            shape = (view(p).shape[0],) + (1,) * (p.dim() - 1)
            unit = p / view(p).norm(dim=1).reshape(shape).add(eps)
            return d - unit * view(unit * d).sum(dim=1).reshape(shape), wd_ratio
    return d, 1.0


def sgdp_step(
    p,
    g,
    state,
    lr,
    momentum=0.0,
    dampening=0.0,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    delta=0.1,
    wd_ratio=0.1,
    nesterov=False,
    eps=1e-8,
):
    if not weight_decouple:
        g = g + weight_decay * p
    b = state['b'] = momentum * state.get('b', torch.zeros_like(p)) + (1 - dampening) * g
    d = g + momentum * b if nesterov else b
    ratio = 1.0
    if p.dim() > 1:
        d, ratio = project(p, g, d, delta, wd_ratio, eps)
    if weight_decouple:
        p.mul_(1 - (1.0 if fixed_decay else lr) * weight_decay * ratio / (1 - momentum))
    p.sub_(lr * d)
