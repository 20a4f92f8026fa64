"""Adafactor, single tensor, from Shazeer & Stern 2018, Algorithms 4/5 and Sec. 7 (momentum, clipping, beta2)."""

import math

import torch


def adafactor_step(
    p,
    g,
    state,
    lr=1e-3,
    betas=(0.9, 0.999),
    decay_rate=-0.8,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    clip_threshold=1.0,
    ams_bound=False,
    scale_parameter=True,
    relative_step=True,
    warmup_init=False,
    eps1=1e-30,
    eps2=1e-3,
):
    beta1, beta2 = betas
    t = state['t'] = state.get('t', 0) + 1
    rho = min(1e-6 * t if warmup_init else 1e-2, 1 / math.sqrt(t)) if relative_step else lr
    alpha = max(eps2, (p.norm() / math.sqrt(p.numel())).item()) * rho if scale_parameter else rho
    beta2_t = 1 - t**decay_rate if decay_rate is not None else beta2 * (1 - beta2 ** (t - 1)) / (1 - beta2**t)
    if weight_decay and not weight_decouple:
        g = g + weight_decay * p
    g2 = g * g + eps1
    if p.dim() >= 2:  # factored over the last two dims, with sums as in the paper
        R = state['R'] = beta2_t * state.get('R', torch.zeros(p.shape[:-1], dtype=p.dtype)) + (1 - beta2_t) * g2.sum(
            -1
        )
        C = state['C'] = beta2_t * state.get('C', torch.zeros(p.shape[:-2] + p.shape[-1:], dtype=p.dtype)) + (
            1 - beta2_t
        ) * g2.sum(-2)
        V = R.unsqueeze(-1) * C.unsqueeze(-2) / R.sum(-1, keepdim=True).unsqueeze(-1)
    else:
        V = state['V'] = beta2_t * state.get('V', torch.zeros_like(p)) + (1 - beta2_t) * g2
    if ams_bound:
        V = state['V_max'] = torch.maximum(state.get('V_max', torch.zeros_like(p)), V)
    U = g / torch.sqrt(V)
    U = U / max(1.0, (U.norm() / math.sqrt(U.numel())).item() / clip_threshold)
    if beta1 > 0:
        U = state['m'] = beta1 * state.get('m', torch.zeros_like(p)) + (1 - beta1) * U
    if weight_decay and weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else alpha))
    p.sub_(alpha * U)
