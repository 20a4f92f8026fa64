"""AdamP, single tensor, from Heo et al. 2021, Algorithm 2 (projection per channel, then per layer)."""

import math

import torch
import torch.nn.functional as F


def _project(p, g, u, delta, wd_ratio, eps):
    if p.dim() <= 1:
        return u, 1.0
    for rows in (p.shape[0], 1):
        pv, gv = p.reshape(rows, -1), g.reshape(rows, -1)
        cos = F.cosine_similarity(gv, pv, dim=1, eps=eps).abs().max()
        if cos < delta / math.sqrt(pv.shape[1]):
            unit = pv / (pv.norm(dim=1, keepdim=True) + eps)
            uv = u.reshape(rows, -1)
            return (uv - unit * (unit * uv).sum(dim=1, keepdim=True)).reshape(p.shape), wd_ratio
    return u, 1.0


def adamp_step(
    p,
    g,
    state,
    lr,
    betas,
    eps,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    delta=0.1,
    wd_ratio=0.1,
    nesterov=False,
    adam_debias=False,
):
    beta1, beta2 = betas
    t = state['t'] = state.get('t', 0) + 1
    if not weight_decouple:
        g = g + weight_decay * p
    m = state['m'] = beta1 * state.get('m', torch.zeros_like(p)) + (1 - beta1) * g
    v = state['v'] = beta2 * state.get('v', torch.zeros_like(p)) + (1 - beta2) * g * g
    denom = torch.sqrt(v / (1 - beta2**t)) + eps
    u = (beta1 * m + (1 - beta1) * g if nesterov else m) / denom
    u, ratio = _project(p, g, u, delta, wd_ratio, eps)
    if weight_decouple:
        p.mul_(1 - weight_decay * ratio * (1.0 if fixed_decay else lr))
    p.sub_((lr if adam_debias else lr / (1 - beta1**t)) * u)
