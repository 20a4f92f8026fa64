"""M-SVAG, single tensor, from Balles & Hennig 2018, Algorithm 2."""

import torch


def msvag_step(p, g, state, lr=1e-2, beta=0.9):
    t = state['t'] = state.get('t', 0) + 1
    m = state['m'] = beta * state.get('m', torch.zeros_like(p)) + (1 - beta) * g
    v = state['v'] = beta * state.get('v', torch.zeros_like(p)) + (1 - beta) * g * g
    m_hat, v_hat = m / (1 - beta**t), v / (1 - beta**t)
    rho = (1 - beta) * (1 + beta**t) / ((1 + beta) * (1 - beta**t))
    if rho >= 1.0:  # t = 1 (or beta = 0): no variance estimate yet
        gamma = torch.ones_like(p)
    else:
        s = (v_hat - m_hat**2) / (1 - rho)
        gamma = torch.where(m_hat == 0, 0.0, m_hat**2 / (m_hat**2 + rho * s)).clamp(0.0, 1.0)
    p.sub_(lr * gamma * m_hat)
