"""Real views, flat vectors and ``eigh`` solves shared by the second-order optimizers (not registered).

* :func:`flatten`, :func:`unflatten` — one float vector over the real views of a list of tensors and back;
* :func:`matrix_inverse_root` — ``(A + ridge)^{-1/p}`` of a symmetric PSD matrix by ``eigh`` in float64;
* :func:`newton_solve` — ``(H + damping)^{-1} b`` by ``eigh`` (pseudo-inverse, saddle-free / clipped variants);
* :func:`apply_step` — ``θ ← θ − lr · d`` for a flat direction.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def _real(x: Tensor) -> Tensor:
    return torch.view_as_real(x) if torch.is_complex(x) else x


def matrix_inverse_root(mat: Tensor, p: float, ridge_epsilon: float, *, relative: bool = True) -> Tensor:
    r"""``(A + \epsilon I)^{-1/p}`` of a symmetric PSD ``A`` by ``eigh`` in float64 (result in ``A``'s dtype).

    Negative eigenvalues (rounding) are clipped to 0; the ridge is ``\epsilon \lambda_{max}`` (``relative``,
    as in distributed Shampoo) or ``\epsilon``. A zero matrix gives the identity and a non-finite one
    (a NaN gradient) the identity too: never NaN, no host sync.
    """
    a = mat.double()
    finite = torch.isfinite(a).all()
    a = torch.where(finite, a, torch.eye(a.shape[0], dtype=a.dtype, device=a.device))
    eigvals, eigvecs = torch.linalg.eigh((a + a.T) / 2)
    eigvals = eigvals.clamp_min(0.0)
    shifted = eigvals + ridge_epsilon * (eigvals.max() if relative else 1.0)
    shifted = torch.where(shifted > 0, shifted, 1.0)
    return ((eigvecs * shifted.pow(-1.0 / p)) @ eigvecs.T).to(mat.dtype)


def flatten(tensors: Sequence[Tensor]) -> Tensor:
    """One float vector of the real views of ``tensors``."""
    return torch.cat([_real(t).reshape(-1) for t in tensors])


def unflatten(vector: Tensor, like: Sequence[Tensor]) -> list[Tensor]:
    """Split ``vector`` into tensors shaped like the real views of ``like`` (dtype of ``like``)."""
    out, offset = [], 0
    for t in like:
        r = _real(t)
        out.append(vector[offset : offset + r.numel()].view(r.shape).to(r.dtype))
        offset += r.numel()
    return out


def newton_solve(hess: Tensor, rhs: Tensor, damping: float, eigval_fn: str | None, eigval_min: float) -> Tensor:
    r"""``(H + \lambda I)^{-1} b`` by ``eigh`` in float64 (no host sync; zeros when H or b is not finite).

    ``eigval_fn``: ``None`` keeps the eigenvalues (a pseudo-inverse drops those below ``n·eps·max|λ|``);
    ``'abs'`` uses :math:`\max(|\lambda|, \lambda_{min})` and ``'clip'`` :math:`\max(\lambda, \lambda_{min})`
    (saddle-free Newton / modified Newton for non-convex problems).
    """
    a = hess.double() + damping * torch.eye(hess.shape[0], dtype=torch.float64, device=hess.device)
    finite = torch.isfinite(a).all() & torch.isfinite(rhs).all()
    a = torch.where(finite, a, torch.eye(a.shape[0], dtype=a.dtype, device=a.device))
    eigvals, eigvecs = torch.linalg.eigh(a)
    if eigval_fn == 'abs':
        eigvals = eigvals.abs().clamp_min(eigval_min)
    elif eigval_fn == 'clip':
        eigvals = eigvals.clamp_min(eigval_min)
    tol = eigvals.shape[0] * torch.finfo(torch.float64).eps * eigvals.abs().max().clamp_min(1e-300)
    inv = torch.where(eigvals.abs() > tol, 1.0 / torch.where(eigvals.abs() > tol, eigvals, 1.0), 0.0)
    out = eigvecs @ (inv * (eigvecs.T @ rhs.double()))
    return torch.where(finite, out, 0.0)  # a non-finite H or g skips the step


@torch.no_grad()
def apply_step(params: Sequence[Tensor], direction: Tensor, lr: float) -> None:
    """``θ ← θ − lr · d`` for a flat float64 ``d`` over ``params``."""
    torch._foreach_add_(list(params), unflatten(direction, params), alpha=-lr)
