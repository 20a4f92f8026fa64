"""Newton-summary's cubic-regularized solve: the lrs :math:`\\eta` of the regularized Newton step on the summary.

Reference: Wolinski, "Adapting Newton's Method to Neural Networks through a Summary of Higher-Order
Derivatives", arXiv 2023. https://arxiv.org/abs/2312.03885 (code: p-wol/GroupedNewton, ``grnewt``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


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
