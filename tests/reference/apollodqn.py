"""ApolloDQN, single tensor, from Ma 2020, Algorithm 1 (step-size-free direction, rectified curvature)."""

import torch


def apollodqn_step(
    p,
    g,
    state,
    lr=1e-2,
    init_lr=1e-5,
    beta=0.9,
    rebound='constant',
    weight_decay=0.0,
    weight_decay_type='l2',
    warmup_steps=500,
    eps=1e-4,
):
    t = state['t'] = state.get('t', 0) + 1
    eta = (lr - init_lr) * (t - 1) / warmup_steps + init_lr if t - 1 < warmup_steps else lr
    if weight_decay and weight_decay_type == 'l2':
        g = g + weight_decay * p
    m_prev = state.get('m', torch.zeros_like(p))
    d_prev = state.get('d', torch.zeros_like(p))
    B = state.get('B', torch.zeros_like(p))
    alpha = (1 - beta) / (1 - beta**t)
    m = m_prev + alpha * (g - m_prev)
    y = m - m_prev
    if rebound == 'belief':
        sigma, eps_t = (g - m_prev).abs().max(), eps
    else:
        sigma, eps_t = 0.01, eps / 0.01
    scale = torch.linalg.vector_norm(d_prev, 4) + eps_t
    d_tilde = d_prev / scale
    # weak secant condition on the normalized direction
    B = B - ((d_tilde * y).sum() / scale + (d_tilde**2 * B).sum()) * d_tilde**2
    D = torch.maximum(B.abs(), torch.as_tensor(sigma, dtype=p.dtype))
    if rebound == 'belief':
        D = D + eps_t / alpha
    d = m / D
    if weight_decay and weight_decay_type == 'decoupled':
        d = d + weight_decay * p
    elif weight_decay and weight_decay_type == 'stable':
        d = d + weight_decay / D.mean() * p
    state.update(m=m, d=d, B=B)
    p.sub_(eta * d)
