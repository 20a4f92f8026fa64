"""Ranger21, single tensor (its own group), from Wright & Demeure 2021, Algorithm 1 (+ softplus / normalization)."""

import math

import torch
import torch.nn.functional as F


def schedule(t, lr, num_iterations, warm_up, warm_down, min_lr, disabled):
    if disabled:
        return lr
    lr_t = lr * min(1.0, t / warm_up) if warm_up > 0 else lr
    start = num_iterations - warm_down
    if warm_down > 0 and t > start:
        lr_t = lr_t + (min_lr - lr_t) * min(1.0, (t - start) / warm_down)
    return lr_t


def ranger21_step(
    p,
    g,
    state,
    num_iterations,
    lr=1e-3,
    beta0=0.9,
    betas=(0.9, 0.999),
    use_softplus=True,
    beta_softplus=50.0,
    disable_lr_scheduler=False,
    num_warm_up_iterations=None,
    num_warm_down_iterations=None,
    warm_down_min_lr=3e-5,
    agc_clipping_value=1e-2,
    agc_eps=1e-3,
    centralize_gradients=True,
    normalize_gradients=True,
    lookahead_merge_time=5,
    lookahead_blending_alpha=0.5,
    weight_decay=1e-4,
    weight_decouple=True,
    fixed_decay=False,
    norm_loss_factor=1e-4,
    adam_debias=False,
    eps=1e-8,
):
    b1, b2 = betas
    if num_warm_up_iterations is None:
        w = math.ceil(2 / (1 - b2))
        num_warm_up_iterations = int(0.22 * num_iterations) if w > 0.45 * num_iterations else w
    if num_warm_down_iterations is None:
        num_warm_down_iterations = num_iterations - int(0.72 * num_iterations)
    t = state['t'] = state.get('t', 0) + 1
    slow = state.setdefault('slow', p.clone())
    lr_t = schedule(
        t, lr, num_iterations, num_warm_up_iterations, num_warm_down_iterations, warm_down_min_lr, disable_lr_scheduler
    )
    if weight_decay and not weight_decouple:
        g = g + weight_decay * p
    # AGC (unit-wise, Brock et al. 2021)
    dims = tuple(range(1, p.dim())) if p.dim() > 1 else None
    w_norm = p.norm(dim=dims, keepdim=True) if dims else p.norm()
    g_norm = g.norm(dim=dims, keepdim=True) if dims else g.norm()
    max_norm = agc_clipping_value * w_norm.clamp(min=agc_eps)
    g = torch.where(g_norm > max_norm, g * max_norm / g_norm.clamp(min=1e-6), g)
    if centralize_gradients and g.dim() > 1:
        g = g - g.mean(dim=tuple(range(1, g.dim())), keepdim=True)
    if normalize_gradients and g.numel() > 2:
        g = g / (g.std() + eps)
    v = state['v'] = b2 * state.get('v', torch.zeros_like(p)) + (1 - b2) * g * g
    v_max = state['v_max'] = torch.maximum(state.get('v_max', torch.zeros_like(p)), v)
    v_bar = (v / (1 - b2**t)).mean()
    # positive-negative momentum: m_t from m_{t-2}
    history = state.setdefault('ms', [torch.zeros_like(p), torch.zeros_like(p)])
    m_prev, m_prev2 = history[-1], history[-2]
    m = b1**2 * m_prev2 + (1 - b1**2) * g
    history.append(m)
    m_hat = ((1 + beta0) * m - beta0 * m_prev) / math.sqrt((1 + beta0) ** 2 + beta0**2)
    if not adam_debias:
        m_hat = m_hat / (1 - b1**t)
    denom = torch.sqrt(v_max / (1 - b2**t)) + eps
    if use_softplus:
        denom = F.softplus(denom, beta=beta_softplus)
    swd = 0.0
    if weight_decay and weight_decouple:
        swd = weight_decay * (1.0 if fixed_decay else lr_t) / (torch.sqrt(v_bar) + eps)
    unit = p.norm(dim=dims, keepdim=True) if dims else p.norm()
    norm_loss = 2 * norm_loss_factor * lr_t * (1 - 1 / (unit + eps))
    p.copy_(p - swd * p - norm_loss * p - lr_t * m_hat / denom)
    if t % lookahead_merge_time == 0:
        slow.add_(lookahead_blending_alpha * (p - slow))
        p.copy_(slow)
