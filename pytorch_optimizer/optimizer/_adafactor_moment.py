"""AdaFactor's pieces: step sizes, and the factored second moment (:math:`\\hat V_t^{-1/2}` in update buffers)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer


def step_sizes(group: dict, params: list[Tensor]) -> tuple[float, float | list[Tensor]]:
    r""":math:`\hat\beta_{2t}` and :math:`\alpha_t` (a float, or per-tensor 0-d tensors with ``scale_parameter``)."""
    step, rho, beta2 = group['step'], group['lr'], group['betas'][1]
    if group['relative_step']:
        rho = min(1e-6 * step if group['warmup_init'] else 1e-2, 1.0 / math.sqrt(step))
    if group['decay_rate'] is None:
        beta2_t = beta2 * (1.0 - beta2 ** (step - 1)) / (1.0 - beta2**step)
    else:
        beta2_t = 1.0 - math.pow(step, group['decay_rate'])
    if not group['scale_parameter']:
        return beta2_t, rho
    alpha = list(torch._foreach_norm(params))  # max(eps2, RMS(theta)) rho
    torch._foreach_div_(alpha, [math.sqrt(p.numel()) for p in params])
    torch._foreach_clamp_min_(alpha, group['eps2'])
    torch._foreach_mul_(alpha, rho)
    return beta2_t, alpha


def inverse_sqrt_moment_(
    opt: BaseOptimizer,
    updates: list[Tensor],
    rows: list[Tensor],
    cols: list[Tensor],
    hat: list[Tensor] | None,
    weight: float,
    eps1: float,
) -> None:
    r"""Advance the second moment by ``weight`` and leave :math:`\hat V_t^{-1/2}` in ``updates``.

    ``updates`` holds :math:`g_t^2` on entry. A tensor of at least two dimensions keeps the row and column
    means :math:`R_t, C_t` of :math:`g_t^2 + \epsilon_1` (``rows``, ``cols``); an unfactored one keeps
    :math:`\hat V_t` itself as its ``rows`` entry (its ``cols`` entry is empty). ``hat``: the running maximum
    of :math:`\hat V_t` (``ams_bound``), or None. On a CUDA bucket, same-shaped matrices are processed as
    stacks (``functional.stacked``); on CPU, per tensor into the update buffers (reused between steps).
    """
    mats = [i for i, u in enumerate(updates) if u.dim() >= 2]
    flat = [i for i, u in enumerate(updates) if u.dim() < 2]
    g2, mat_rows, mat_cols = ([x[i] for i in mats] for x in (updates, rows, cols))
    # mean(g^2 + eps1) as mean(g^2) + eps1: row and column means of matrices, or g^2 itself unfactored
    means = [updates[i] for i in flat] + F.stacked(lambda u: u.mean(dim=-1), g2)
    means += F.stacked(lambda u: u.mean(dim=-2), g2)
    torch._foreach_add_(means, eps1)
    torch._foreach_lerp_([rows[i] for i in flat] + mat_rows + mat_cols, means, weight)
    if mats:
        row_hat = torch._foreach_div(mat_rows, F.stacked(lambda r: r.mean(dim=-1, keepdim=True), mat_rows))
        if hat is None:  # g / sqrt(V) as rsqrt(R / mean(R)) rsqrt(C)^T * g: no full-size V
            row_hat, mat_cols = torch._foreach_rsqrt(row_hat), torch._foreach_rsqrt(mat_cols)
        if F.cuda_bucket(g2):  # the outer products as stacks, copied into the update buffers
            F.copy_(g2, F.stacked(lambda r, c: r.unsqueeze(-1) * c.unsqueeze(-2), row_hat, mat_cols))
        else:
            for r, c, u in zip(row_hat, mat_cols, g2):
                torch.mul(r.unsqueeze(-1), c.unsqueeze(-2), out=u)
    if hat is not None:  # V-hat: the row entry of an unfactored tensor, else the product in its update buffer
        torch._foreach_maximum_(hat, [v if u.dim() < 2 else u for v, u in zip(rows, updates)])
        opt.into(updates, torch.rsqrt, hat)
    elif flat:
        opt.into([updates[i] for i in flat], torch.rsqrt, [rows[i] for i in flat])
