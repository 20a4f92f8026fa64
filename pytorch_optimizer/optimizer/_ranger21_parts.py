"""Ranger21's pieces outside the AdamW core: the learning-rate schedule, the gradient preprocessing, the decay.

* :func:`warm_lengths` and :func:`schedule` — linear warm-up, flat, linear warm-down of :math:`\\eta_t`;
* :func:`preprocess_gradients` — L2 term, adaptive gradient clipping, centralization, normalization;
* :func:`mean_variance` — :math:`\\bar v_t`, the group-wide mean second moment of the stable weight decay;
* :func:`decay_factors` — stable weight decay and norm loss as one multiplicative factor per tensor.

Reference: Wright & Demeure, "Ranger21: a synergistic deep learning optimizer", arXiv 2021.
https://arxiv.org/abs/2106.13731
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.plugins.agc import agc, unit_norm


def warm_lengths(
    num_iterations: int, beta2: float, num_warm_up_iterations: int | None, num_warm_down_iterations: int | None
) -> tuple[int, int]:
    """The warm-up and warm-down lengths, the automatic ones (see :class:`.Ranger21`) in place of ``None``."""
    if num_warm_up_iterations is None:
        warm_up = math.ceil(2.0 / (1.0 - beta2))
        num_warm_up_iterations = int(0.22 * num_iterations) if warm_up > 0.45 * num_iterations else warm_up
    if num_warm_down_iterations is None:
        num_warm_down_iterations = num_iterations - int(0.72 * num_iterations)
    return num_warm_up_iterations, num_warm_down_iterations


def schedule(group: dict, step: int) -> float:
    """:math:`\\eta_t`: linear warm-up, flat, linear warm-down (a Python float)."""
    lr = group['lr']
    if group['disable_lr_scheduler']:
        return lr
    warm_up, warm_down = group['num_warm_up_iterations'], group['num_warm_down_iterations']
    if warm_up > 0:
        lr *= min(1.0, step / warm_up)
    start = group['num_iterations'] - warm_down
    if warm_down > 0 and step > start:
        lr += (group['warm_down_min_lr'] - lr) * min(1.0, (step - start) / warm_down)
    return lr


def preprocess_gradients(group: dict, params: list[Tensor], grads: list[Tensor], processed: list[Tensor]):
    """L2 term (coupled decay), AGC, centralization, normalization of ``grads``, written into ``processed``."""
    raw = grads
    if not group['weight_decouple'] and group['weight_decay'] > 0.0:
        wd = group['weight_decay']
        raw = [torch.add(g, p, alpha=wd, out=o) for p, g, o in zip(params, grads, processed)]
    clip, clip_eps = group['agc_clipping_value'], group['agc_eps']
    processed = [agc(p, g, clip_eps, clip, out=o) for p, g, o in zip(params, raw, processed)]
    if group['centralize_gradients']:
        processed = F.centralize_gradients(processed, out=processed)
    if group['normalize_gradients']:
        processed = [g.div_(g.std() + group['eps']) if g.numel() > 2 else g for g in processed]
    return processed


def mean_variance(group: dict, params: list[Tensor], grads: list[Tensor], variance_ma: list[Tensor]) -> Tensor:
    """:math:`\\bar v_t`, the mean of :math:`v_t / (1 - \\beta_2^t)` over every element of the group, before
    ``variance_ma`` (:math:`v_{t-1}`) is updated: :math:`\\sum v_t = \\beta_2 \\sum v_{t-1} + (1-\\beta_2) \\sum g_t^2`
    without the full-size temporary :math:`v_t`."""
    beta2 = group['betas'][1]
    variance_sums = [v.sum() for v in variance_ma]
    partials = [beta2 * v + (1.0 - beta2) * d for v, d in zip(variance_sums, F.dots(grads, grads))]
    total = F.ordered_sum(partials, params[0].dtype)
    return total / ((1.0 - beta2 ** group['step']) * sum(p.numel() for p in params))


def decay_factors(group: dict, params: list[Tensor], lr: float, variance_mean: Tensor) -> list:
    """Stable weight decay and norm loss, both proportional to :math:`\\theta_{t-1}`: one factor per tensor."""
    eps = group['eps']
    shrink = 0.0
    if group['weight_decouple'] and group['weight_decay'] > 0.0:
        swd = group['weight_decay'] * (1.0 if group['fixed_decay'] else lr)
        shrink = swd / (variance_mean.sqrt() + eps).to(params[0].dtype)
    factors = [1.0 - shrink for _ in params]
    if group['norm_loss_factor'] > 0.0:
        norm_loss = 2.0 * group['norm_loss_factor'] * lr
        factors = [f - norm_loss * (1.0 - 1.0 / (unit_norm(p) + eps)) for f, p in zip(factors, params)]
    return factors
