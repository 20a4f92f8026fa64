"""Newton-summary learning rates: the summary ``(H̄, ḡ, o3)`` along a direction, its solve and the groups' lrs.

Reference: Wolinski, "Adapting Newton's Method to Neural Networks through a Summary of Higher-Order
Derivatives", arXiv 2023. https://arxiv.org/abs/2312.03885 (code: p-wol/GroupedNewton, ``grnewt``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from pytorch_optimizer.base.hessian import dot, gradient
from pytorch_optimizer.optimizer._newtonsummary_solve import nesterov_lrs


def compute_hg(
    groups: Sequence[Sequence[Tensor]],
    loss: Tensor,
    directions: Sequence[Sequence[Tensor]],
    *,
    noregul: bool = False,
    diagonal: bool = False,
) -> tuple[Tensor, Tensor, Tensor]:
    """``(H̄, ḡ, o3)`` of ``loss`` along ``u`` for the partition ``groups`` (float64, on the host).

    ``ḡ_s = Σ_{p∈T_s} <∂L/∂p, u_p>``, ``H̄_st = u_s^T ∇²_st L u_t``, ``o3_s = D³L[u_s, u_s, u_s]``: one
    backward for ``∇L`` and ``ḡ``, one per row of ``H̄`` and one per ``o3_s`` (skipped with ``noregul``);
    ``diagonal`` computes only ``H̄_ss``.
    """
    sizes = [len(g) for g in groups]
    params = [p for g in groups for p in g]
    starts = [sum(sizes[:s]) for s in range(len(groups))]
    grads = gradient(loss, params)
    g_bar = [dot(grads[a : a + n], u) for a, n, u in zip(starts, sizes, directions)]
    S = len(groups)
    H = torch.zeros(S, S, dtype=torch.float64)
    o3 = torch.zeros(S, dtype=torch.float64)
    for s in range(S):
        cols = [s] if diagonal else list(range(s, S))
        row = gradient(g_bar[s], [p for t in cols for p in groups[t]], create_graph=not noregul)
        offset = 0
        for t in cols:
            entry = dot(row[offset : offset + sizes[t]], directions[t])
            offset += sizes[t]
            H[s, t] = H[t, s] = entry.detach().double().cpu()
            if t == s and not noregul:
                o3[s] = dot(gradient(entry, groups[s], create_graph=False), directions[s]).detach().double().cpu()
    return H, torch.stack([g.detach().double().cpu() for g in g_bar]), o3


def set_lrs(
    groups: Sequence[dict], indices: Sequence[int], summary: tuple[Tensor, Tensor, Tensor], shared: dict, cfg: dict
) -> None:
    """Set the ``lr`` of the active ``groups`` (``indices`` among the optimizer's) from a finite summary.

    ``shared`` keeps the moving averages: of ``(H̄, ḡ, o3)`` (factor ``movavg``) and of ``|o3|^{1/3}`` (factor
    ``mom_order3_``), both reset when the active groups change. The lrs ``(H̄ + ridge I)⁻¹ḡ`` (``noregul``:
    no ridge) or :func:`nesterov_lrs` are clipped at 0 with ``remove_negative`` (with ``maintain_true_lrs``
    only the applied ones), smoothed by ``mom_lrs`` (0 at the first summary) and scaled by ``damping``;
    a failed or non-finite solve keeps the previous lrs. ``cfg``: the optimizer's defaults.
    """
    H, g, o3 = summary
    ids = torch.tensor(indices)
    same = 'ids' in shared and torch.equal(shared['ids'], ids)
    if cfg['movavg'] > 0 and same:
        m = cfg['movavg']
        H, g, o3 = (m * old + (1 - m) * new for old, new in zip((shared['H'], shared['g'], shared['o3']), (H, g, o3)))
    o3_ = o3.abs().pow(1 / 3)
    if cfg['mom_order3_'] > 0 and same:
        o3_ = cfg['mom_order3_'] * shared['o3_'] + (1 - cfg['mom_order3_']) * o3_
    shared.update(ids=ids, H=H, g=g, o3=o3, o3_=o3_)
    try:
        if cfg['nesterov'] and not cfg['noregul']:
            lrs, found = nesterov_lrs(H, g, o3_, cfg['damping_int'])
        else:
            ridge = 0.0 if cfg['noregul'] else cfg['ridge']
            lrs, found = torch.linalg.solve(H + ridge * torch.eye(len(g), dtype=H.dtype), g), True
    except RuntimeError:  # a singular system: keep the previous lrs
        return
    if not found or not bool(torch.isfinite(lrs).all()):
        return
    clip = cfg['remove_negative']
    if clip and not cfg['maintain_true_lrs']:
        lrs = lrs.clamp(min=0.0)
    rho = cfg['mom_lrs'] if shared['step'] > 0 else 0.0
    for group, lr in zip(groups, lrs.tolist()):
        group['summary_lr'] = rho * group['summary_lr'] + (1 - rho) * lr
        group['lr'] = group['damping'] * (max(group['summary_lr'], 0.0) if clip else group['summary_lr'])
