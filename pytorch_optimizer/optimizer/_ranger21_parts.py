"""Ranger21's pieces outside the AdamW core: the learning-rate schedule, the gradient preprocessing, the decay.

* :func:`defaults` — the validation of the arguments;
* :func:`warm_lengths` and :func:`schedule` — linear warm-up, flat, linear warm-down of :math:`\\eta_t`;
* :func:`preprocess_gradients` — L2 term, adaptive gradient clipping, centralization, normalization;
* :func:`mean_variance` — :math:`\\bar v_t`, the group-wide mean second moment of the stable weight decay;
* :func:`denominators` — the AdamW denominators, through ``softplus``;
* :func:`decay_` — stable weight decay and norm loss as one multiplicative factor per tensor (or unit).

On a CUDA bucket (one device and dtype, eager) the per-tensor statistics are batched: same-shaped tensors are
processed as stacks (``functional.shape_chunks``) and elementwise chains run on one flat tensor.

Reference: Wright & Demeure, "Ranger21: a synergistic deep learning optimizer", arXiv 2021.
https://arxiv.org/abs/2106.13731
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.validation import (
    check_betas,
    check_bool,
    check_lr,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_range,
)
from pytorch_optimizer.plugins.agc import agc, unit_norm

FLAGS = ('use_softplus', 'disable_lr_scheduler', 'centralize_gradients', 'normalize_gradients')
FLAGS += ('weight_decouple', 'fixed_decay', 'adam_debias')


def defaults(owner, arguments: dict) -> dict:
    """The validated defaults of :class:`.Ranger21` from its ``__init__`` arguments (errors name ``owner``)."""
    num_iterations = check_positive_int(owner, 'num_iterations', arguments['num_iterations'])
    betas = check_betas(owner, arguments['betas'])
    warm_up, warm_down = warm_lengths(
        num_iterations, betas[1], arguments['num_warm_up_iterations'], arguments['num_warm_down_iterations']
    )
    out = {name: check_bool(owner, name, arguments[name]) for name in FLAGS}
    for name in ('beta0', 'agc_eps', 'weight_decay', 'norm_loss_factor', 'eps'):
        out[name] = check_non_negative(owner, name, arguments[name])
    for name in ('beta_softplus', 'agc_clipping_value'):
        out[name] = check_positive(owner, name, arguments[name])
    out.update(
        num_iterations=num_iterations,
        lr=check_lr(owner, arguments['lr']),
        betas=betas,
        num_warm_up_iterations=check_positive_int(owner, 'num_warm_up_iterations', warm_up, allow_zero=True),
        num_warm_down_iterations=check_positive_int(owner, 'num_warm_down_iterations', warm_down, allow_zero=True),
        warm_down_min_lr=check_lr(owner, arguments['warm_down_min_lr'], 'warm_down_min_lr'),
        lookahead_merge_time=check_positive_int(owner, 'lookahead_merge_time', arguments['lookahead_merge_time']),
        lookahead_blending_alpha=check_range(
            owner, 'lookahead_blending_alpha', arguments['lookahead_blending_alpha'], 0.0, 1.0, high_inclusive=True
        ),
        maximize=arguments['maximize'],
        foreach=arguments['foreach'],
    )
    return out


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


def preprocess_gradients(group: dict, params: list[Tensor], grads: list[Tensor], scratch: Callable) -> list[Tensor]:
    """L2 term (coupled decay), AGC, centralization, normalization of ``grads``, written into the buffers
    ``scratch(grads, 'processed')`` (on a CUDA bucket, same-shaped gradients are processed as stacks, and views of
    those are returned instead)."""
    if F.cuda_bucket(params + grads):
        return _preprocess_stacks(group, params, grads)
    raw, processed = grads, scratch(grads, 'processed')
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


def _units(stack: Tensor) -> Tensor:
    """A stack of ``n`` same-shaped tensors viewed as ``(n, units, unit size)``: the units of
    :func:`~pytorch_optimizer.plugins.agc.unit_norm` (the rows; one unit for a 0-d or 1-d tensor)."""
    shape = stack.shape[1:]
    rows = shape[0] if len(shape) > 1 else 1
    return stack.view(len(stack), rows, math.prod(shape[1:] if len(shape) > 1 else shape))


def _preprocess_stacks(group: dict, params: list[Tensor], grads: list[Tensor]) -> list[Tensor]:
    """:func:`preprocess_gradients` on a CUDA bucket: a few launches per stack of same-shaped tensors, not per
    tensor (unit norms along the last dimension of :func:`_units`, per-tensor ``std`` over the last two)."""
    out = list(grads)
    wd = 0.0 if group['weight_decouple'] else group['weight_decay']
    clip, clip_eps = group['agc_clipping_value'], group['agc_eps']
    for idx in F.shape_chunks(params):
        shape = params[idx[0]].shape
        p, g = (_units(torch.stack([xs[i] for i in idx])) for xs in (params, grads))
        if wd > 0.0:
            g.add_(p, alpha=wd)
        max_norm = torch.linalg.vector_norm(p, dim=2, keepdim=True).clamp_min_(clip_eps).mul_(clip)
        g_norm = torch.linalg.vector_norm(g, dim=2, keepdim=True)  # as plugins.agc.agc, with its eps 1e-6
        g.mul_(torch.where(g_norm > max_norm, max_norm / g_norm.clamp_min(1e-6), 1.0))
        if group['centralize_gradients'] and len(shape) > 1:
            g.sub_(g.mean(dim=2, keepdim=True))
        if group['normalize_gradients'] and shape.numel() > 2:
            g.div_(g.std(dim=(1, 2), keepdim=True) + group['eps'])
        for i, x in zip(idx, g.view(len(idx), *shape).unbind()):
            out[i] = x
    return out


def mean_variance(group: dict, params: list[Tensor], grads: list[Tensor], variance_ma: list[Tensor]) -> Tensor:
    """:math:`\\bar v_t`, the mean of :math:`v_t / (1 - \\beta_2^t)` over every element of the group, before
    ``variance_ma`` (:math:`v_{t-1}`) is updated: :math:`\\sum v_t = \\beta_2 \\sum v_{t-1} + (1-\\beta_2) \\sum g_t^2`
    without the full-size temporary :math:`v_t`; the per-tensor partials are computed as one stack where the
    tensors share a dtype and device (the same values, a few ops instead of a few per tensor)."""
    beta2, dtype = group['betas'][1], params[0].dtype
    sums, squares = F.nonnegative_sums(variance_ma), F.dots(grads, grads)
    if not F.is_dtensor(sums[0]) and len({(s.device, s.dtype) for s in sums + squares}) == 1:
        total = (beta2 * torch.stack(sums) + (1.0 - beta2) * torch.stack(squares)).to(dtype).sum()
    else:
        total = F.ordered_sum([beta2 * v + (1.0 - beta2) * d for v, d in zip(sums, squares)], dtype)
    return total / ((1.0 - beta2 ** group['step']) * sum(p.numel() for p in params))


def denominators(group: dict, max_variance_ma: list[Tensor], buffers: list[Tensor], bias_correction2: float):
    """:math:`\\sqrt{v^{\\max}_t / (1-\\beta_2^t)} + \\epsilon`, through ``softplus`` if asked: on CPU per tensor
    into ``buffers`` (dead ones of the same shapes), on a CUDA bucket in one flat tensor (one launch per op),
    elsewhere (compiled code, a DTensor, mixed dtypes) with foreach ops."""
    eps, scale = group['eps'], math.sqrt(bias_correction2)
    softplus = torch.ops.aten.softplus.out if group['use_softplus'] else None
    if F.cuda_bucket(max_variance_ma):
        flat = F.flatten_cat(max_variance_ma).sqrt_().div_(scale).add_(eps)
        if softplus:
            softplus(flat, group['beta_softplus'], 20.0, out=flat)
        return F.unflatten(flat, max_variance_ma)
    if max_variance_ma[0].device.type == 'cpu':
        denom = [torch.sqrt(v, out=b) for v, b in zip(max_variance_ma, buffers)]
    else:
        denom = torch._foreach_sqrt(max_variance_ma)
    torch._foreach_div_(denom, scale)
    torch._foreach_add_(denom, eps)
    if softplus:
        denom = [softplus(d, group['beta_softplus'], 20.0, out=d) for d in denom]
    return denom


def decay_(group: dict, params: list[Tensor], lr: float, variance_mean: Tensor) -> None:
    """Stable weight decay and norm loss, both proportional to :math:`\\theta_{t-1}`: ``params`` times one factor
    per tensor (per unit with norm loss), in place; on a CUDA bucket per stack of same-shaped tensors."""
    eps, keep = group['eps'], 1.0
    if group['weight_decouple'] and group['weight_decay'] > 0.0:
        swd = group['weight_decay'] * (1.0 if group['fixed_decay'] else lr)
        keep = 1.0 - swd / (variance_mean.sqrt() + eps).to(params[0].dtype)
    norm_loss = 2.0 * group['norm_loss_factor'] * lr
    if norm_loss == 0.0:
        if isinstance(keep, Tensor):  # else a factor 1.0: nothing to do
            torch._foreach_mul_(params, keep)
    elif not F.cuda_bucket(params):
        torch._foreach_mul_(params, [keep - norm_loss * (1.0 - 1.0 / (unit_norm(p) + eps)) for p in params])
    else:

        def decay_units_(stack: Tensor) -> None:
            p = _units(stack)
            p.mul_(keep - norm_loss * (1.0 - 1.0 / (torch.linalg.vector_norm(p, dim=2, keepdim=True) + eps)))

        F.update_stacked_(decay_units_, params)
