"""Newton-summary learning rates: the summary ``(H̄, ḡ, o3)`` along a direction, its solve and the groups' lrs.

Reference: Wolinski, "Adapting Newton's Method to Neural Networks through a Summary of Higher-Order
Derivatives", arXiv 2023. https://arxiv.org/abs/2312.03885 (code: p-wol/GroupedNewton, ``grnewt``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from pytorch_optimizer.base.hessian import dot, gradient


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


def _brentq(f: Callable[[float], float], a: float, b: float, maxiter: int) -> tuple[float, bool]:
    """Brent's root finder on a sign-changing bracket ``[a, b]`` (scipy's ``brentq``); returns (root, converged)."""
    xtol, rtol = 2e-12, 4 * 2.220446049250313e-16
    fa, fb = f(a), f(b)
    if fa == 0.0 or fb == 0.0:
        return (a, True) if fa == 0.0 else (b, True)
    if fa * fb > 0:
        return b, False
    xpre, xcur, fpre, fcur = a, b, fa, fb
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre * fcur < 0:
            xblk, fblk, spre = xpre, fpre, xcur - xpre
            scur = spre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk, fpre, fcur, fblk = xcur, xblk, xcur, fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur, True
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                dpre, dblk = (fpre - fcur) / (xpre - xcur), (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            spre, scur = (scur, stry) if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta) else (sbis, sbis)
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = f(xcur)
    return xcur, False


def nesterov_lrs(H: Tensor, g: Tensor, o3_: Tensor, damping_int: float) -> tuple[Tensor | None, bool]:
    """The largest-``‖Dη‖`` solution of ``η = (H̄ + (λ/2)‖Dη‖D²)⁻¹ḡ``, ``D = diag(o3_)``, in float64.

    Returns ``(η, converged)``, or ``(None, False)`` when the solve fails.

    With ``D = 0`` (a loss quadratic on every subset) the ``λ → 0`` limit ``H̄⁻¹ḡ`` is returned when
    ``H̄ ≻ 0`` (the reference fails there).
    """
    H, g, D = (x.detach().to('cpu', torch.float64) for x in (H, g, o3_))
    lam, D2 = float(damping_int), torch.diag(D * D)

    def lmin(r: float) -> float:
        return float(torch.linalg.eigvalsh(H + (lam / 2) * r * D2)[0])

    def f(r: float) -> float:
        return float(torch.linalg.vector_norm(D * torch.linalg.solve(H + (lam / 2) * r * D2, g))) - r

    if bool((D == 0).all()):
        return (torch.linalg.solve(H, g), True) if lmin(0.0) > 0 else (None, False)
    if lmin(0.0) > 0:
        x0 = 0.0
    elif lam == 0.0:
        raise ValueError('nesterov_lrs: H̄ is not positive definite and damping_int = 0')
    elif bool((D > 1e-5).all()):
        x0 = (2 / lam) * max(0.0, -float(torch.linalg.eigvalsh(H / D[:, None] / D[None, :])[0]))
    else:
        x1, previous = 1.0, lmin(0.0)
        for _ in range(200):
            current = lmin(x1)
            if current > 0 or current < previous:
                break
            previous, x1 = current, 3 * x1
        if not lmin(x1) > 0:
            return None, False
        x0, ok = _brentq(lmin, 0.0, x1, 200)
        if not ok:
            return None, False
    try:
        try:
            f0 = f(x0)
        except RuntimeError:  # singular at the bracket's end
            x0 *= 1.001
            f0 = f(x0)
        if not f0 > 0:
            return None, False
        x1 = x0 + 1
        for _ in range(200):
            if f(x1) < 0:
                break
            x1 *= 3
        r, ok = _brentq(f, x0, x1, 100)
        return torch.linalg.solve(H + (lam / 2) * r * D2, g), ok
    except RuntimeError:
        return None, False


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
