"""Projection of the radial component on scale-invariant weights, shared by AdamP and SGDP.

Reference: Heo et al., "AdamP: Slowing Down the Slowdown for Momentum Optimizers on Scale-invariant
Weights", ICLR 2021 (arXiv title: "Slowing Down the Weight Norm Increase in Momentum-based Optimizers").
https://arxiv.org/abs/2006.08217
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F


def _views(params: list[Tensor], grads: list[Tensor], delta: float, eps: float) -> list[str | None]:
    """Per tensor, which projection applies: ``None`` (none; always for tensors of one dimension or none, or empty),
    ``'layer'`` (the layer view), or ``'test'`` (:func:`_projection`'s masked test decides).

    On accelerators (or compiled) every matrix is ``'test'``, without a host sync. On CPU a cheap test read on
    the host (there is no device to wait for) spares the per-row pass in the usual case: the channel view
    needs every row's cosine below its bound, so one of the first four rows above it (by a 1% margin, against
    rounding) rules it out, and then the layer view's cosine, from flat dot products and norms, decides.
    """
    views = ['test' if p.dim() > 1 and p.numel() else None for p in params]
    idx = [i for i, v in enumerate(views) if v]
    if not idx or params[0].device.type != 'cpu' or torch.compiler.is_compiling():
        return views
    ps, gs = [params[i] for i in idx], [grads[i] for i in idx]
    heads = [(g[:4].reshape(min(len(g), 4), -1), p[:4].reshape(min(len(p), 4), -1)) for g, p in zip(gs, ps)]
    stats = [torch.stack([torch.linalg.vecdot(g, p), g.norm(dim=1), p.norm(dim=1)], dim=1) for g, p in heads]
    stats.append(torch.stack(F.dots(gs, ps) + list(torch._foreach_norm(gs + ps))).view(3, -1).t())
    values = iter(torch.cat(stats).tolist())  # (g.p, |g|, |p|) of the first rows of each tensor, then of each
    firsts = [[next(values) for _ in range(len(g))] for g, _ in heads]
    for i, p, rows, whole in zip(idx, ps, firsts, values):
        if not all(_below(*row, 1.01 * delta / math.sqrt(p.numel() // len(p)), eps) for row in rows):
            views[i] = 'layer' if _below(*whole, delta / math.sqrt(p.numel()), eps) else None
    return views


def _below(dot: float, x_norm: float, y_norm: float, bound: float, eps: float) -> bool:
    """The cosine test ``|x.y| / (max(|x|, eps) max(|y|, eps)) < bound`` on the host (False for NaN)."""
    return abs(dot) < bound * max(x_norm, eps) * max(y_norm, eps)


def _projection(p: Tensor, grad: Tensor, update: Tensor, delta: float, wd_ratio: float, eps: float):
    """The radial part of ``update`` where ``p`` looks scale-invariant, for ``n`` stacked same-shaped matrices
    (``(n, rows, ...)``), without a host sync.

    The channel view (rows = output channels) is tried first, then the whole layer. Both radial parts are
    ``p`` times a per-row coefficient, so one pass of row reductions (g.p, g.g, p.p, p.u) serves both views;
    the conditions are tensors applied with ``torch.where``. Returns the coefficient ``coef`` (0 where
    nothing is projected; the projected update is ``update - coef * p``) and the weight-decay ratio
    (``wd_ratio`` where projected, else 1), both shaped to broadcast against ``p``.
    """
    n, rows = p.shape[:2]
    p2, g2, u2 = p.reshape(n, rows, -1), grad.reshape(n, rows, -1), update.reshape(n, rows, -1)
    gp, pu = torch.linalg.vecdot(g2, p2, dim=2), torch.linalg.vecdot(p2, u2, dim=2)
    g_norm, p_norm = torch.linalg.vector_norm(g2, dim=2), torch.linalg.vector_norm(p2, dim=2)
    gg, pp = g_norm.square(), p_norm.square()
    # cosine similarity as torch.nn.functional.cosine_similarity: x.y / (max(|x|, eps) max(|y|, eps))
    channel_cos = (gp / (g_norm.clamp_min(eps) * p_norm.clamp_min(eps))).abs().amax(dim=1, keepdim=True)
    layer_p_norm, gp_sum = pp.sum(dim=1, keepdim=True).sqrt(), gp.sum(dim=1, keepdim=True)
    layer_cos = (gp_sum / (gg.sum(dim=1, keepdim=True).sqrt().clamp_min(eps) * layer_p_norm.clamp_min(eps))).abs()
    channel = channel_cos < delta / math.sqrt(p2.shape[2])
    layer = ~channel & (layer_cos < delta / math.sqrt(p[0].numel()))
    layer_coef = pu.sum(dim=1, keepdim=True) / (layer_p_norm + eps) ** 2
    coef = torch.where(channel, pu / (p_norm + eps) ** 2, torch.where(layer, layer_coef, 0.0))
    ratio = torch.full_like(layer_cos, wd_ratio).where(channel | layer, 1.0)  # p's dtype (a float gives float32)
    return coef.reshape((n, rows) + (1,) * (p.dim() - 2)), ratio.reshape((n,) + (1,) * (p.dim() - 1))


def _decay_and_project_(params, grads, updates, views, group, alpha, decay) -> None:
    r"""The multiplicative part of the step, in place: :math:`p \leftarrow p\,(1 - \mathrm{decay}\,\nu + \alpha c)`,
    so that the caller's :math:`p - \alpha u` is the decayed parameter minus the projected update
    :math:`\alpha (u - c\,p)` (:math:`c\,p` the radial part of :math:`u` on the view of :func:`_views`, :math:`\nu`
    the decay ratio). ``updates`` are read where a view projects, never written."""
    plain, tests = [], []
    for p, g, u, view in zip(params, grads, updates, views):
        if view == 'layer':  # the coefficient of the layer view, one flat dot product
            flat = p.reshape(-1)
            coef = torch.dot(flat, u.reshape(-1)) / (torch.linalg.vector_norm(flat) + group['eps']) ** 2
            p.mul_(1.0 - decay * group['wd_ratio'] + alpha * coef)
        elif view:
            tests.append((p, g, u))
        else:
            plain.append(p)
    # off CPU same-shaped matrices as stacks (a fixed number of launches per stack, not ~45 per matrix); on
    # CPU, where launches are cheap and a stacked copy is not, one at a time
    per_stack = 1 if tests and tests[0][0].device.type == 'cpu' else None
    for chunk in ([tests[c] for c in idx] for idx in F.shape_chunks([t[0] for t in tests], per_stack)):
        # one matrix: views (the in-place product reaches p); several: stacked copies, copied back
        ps, gs, us = (x[0].unsqueeze(0) for x in zip(*chunk)) if len(chunk) == 1 else map(torch.stack, zip(*chunk))
        coef, ratio = _projection(ps, gs, us, group['delta'], group['wd_ratio'], group['eps'])
        ps.mul_(1.0 - decay * ratio + alpha * coef)
        if len(chunk) > 1:
            F.copy_([m[0] for m in chunk], list(ps.unbind()))
    if decay != 0.0 and plain:
        torch._foreach_mul_(plain, 1.0 - decay)
