"""ASGD (adaptive GD without descent), a list of tensors, from Malitsky & Mishchenko 2020, Algorithm 1.

The step size uses norms over all tensors together (one group), so this reference takes lists.
"""

import math


def asgd_step(
    ps,
    gs,
    state,
    lr,
    amplifier=0.02,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    theta=1.0,
    dampening=1.0,
    eps=1e-5,
):
    if not weight_decouple:
        gs = [g + weight_decay * p for p, g in zip(ps, gs)]
    if 'lam' not in state:
        lam, th = lr, theta
    else:
        dx = math.sqrt(sum((p - q).pow(2).sum().item() for p, q in zip(ps, state['x_prev'])))
        dg = math.sqrt(sum((g - q).pow(2).sum().item() for g, q in zip(gs, state['g_prev'])))
        growth = math.sqrt(1 + amplifier * state['theta']) * state['lam']
        ratio = dx / (dampening * dg) if dg > 0 else math.inf
        lam = min(growth, ratio)
        lam = (state['lam'] if math.isinf(lam) else lam) + eps
        th = lam / state['lam']
    state.update(lam=lam, theta=th, x_prev=[p.clone() for p in ps], g_prev=[g.clone() for g in gs])
    for p, g in zip(ps, gs):
        if weight_decouple:
            p.mul_(1 - weight_decay * (1.0 if fixed_decay else lam))
        p.sub_(lam * g)
