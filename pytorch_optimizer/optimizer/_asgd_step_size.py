"""ASGD's step-size schedule: :math:`\\lambda_k, \\theta_k` from the group's distances (0-d tensors in the group)."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def norm_of(parts: list[Tensor], dtype: torch.dtype, device: torch.device) -> Tensor:
    """The 2-norm of partial 2-norms (0-d tensors of any device and dtype)."""
    return torch.linalg.vector_norm(torch.stack([v.to(device=device, dtype=dtype) for v in parts]))


def advance_step_size(group: dict, dx: Tensor, dg: Tensor, dtype: torch.dtype) -> Tensor:
    r"""Advance ``adaptive_lr`` :math:`\lambda_k` and ``adaptive_theta`` :math:`\theta_k` of ``group`` from
    :math:`\lVert x_k - x_{k-1}\rVert` (``dx``) and :math:`\lVert g_k - g_{k-1}\rVert` (``dg``), creating them
    from ``lr`` and ``theta`` on the first step; return whether the step is finite (a 0-d bool). A non-finite
    distance or step size keeps both values."""
    finite = torch.isfinite(dx) & torch.isfinite(dg)
    if 'adaptive_lr' not in group:
        group['adaptive_lr'] = torch.tensor(group['lr'], dtype=dtype, device=dx.device)
        group['adaptive_theta'] = torch.tensor(group['theta'], dtype=dtype, device=dx.device)
    else:
        prev_lr = group['adaptive_lr'].to(device=dx.device, dtype=dtype)
        prev_theta = group['adaptive_theta'].to(device=dx.device, dtype=dtype)
        growth = prev_lr * torch.sqrt(1.0 + group['amplifier'] * prev_theta)
        ratio = torch.where(dg > 0, dx / (group['dampening'] * dg), math.inf)
        lam = torch.minimum(growth, ratio)
        lam = torch.where(torch.isinf(lam), prev_lr, lam) + group['eps']
        finite &= torch.isfinite(lam)
        group['adaptive_lr'] = torch.where(finite, lam, prev_lr)
        group['adaptive_theta'] = torch.where(finite, lam / prev_lr, prev_theta)
    return finite
