"""AdaSmooth, single tensor, from Lu 2022 (per-dimension effective ratio over all past moves)."""

import torch


def adasmooth_step(
    p, g, state, lr=1e-3, betas=(0.5, 0.99), weight_decay=0.0, weight_decouple=False, fixed_decay=False, eps=1e-6
):
    rho1, rho2 = betas
    moves = state.setdefault('moves', [])
    if 'prev' in state:  # the move of the previous step, theta_t - theta_{t-1}
        moves.append(p - state['prev'])
    state['prev'] = p.clone()
    if moves:
        total, path = sum(moves), sum(m.abs() for m in moves)
        e = torch.where(path > 0, total.abs() / path, 0.0).clamp(max=1.0)
    else:
        e = torch.zeros_like(p)
    if weight_decay and weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    elif weight_decay:
        g = g + weight_decay * p
    c2 = ((rho2 - rho1) * e + (1 - rho2)) ** 2
    eg2 = state['eg2'] = c2 * g * g + (1 - c2) * state.get('eg2', torch.zeros_like(p))
    p.sub_(lr * g / torch.sqrt(eg2 + eps))
