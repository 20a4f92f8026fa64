"""Dense gradients and Hessians for small problems (Newton, NewtonFDM, LevenbergMarquardt, SubspaceNewton).

By autograd (:func:`dense_hessian`, :func:`hessian_products`, :func:`value_and_grads`) or by central finite
differences of function values (:func:`fd_gradient_hessian`); :func:`derivatives` picks one. Not registered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from pytorch_optimizer.base.hessian import gradient, hvp
from pytorch_optimizer.base.validation import owner_name
from pytorch_optimizer.optimizer._newton_linalg import _real, flatten, unflatten


def hessian_products(loss: Tensor, params: Sequence[Tensor], grads: Sequence[Tensor], columns: Tensor) -> Tensor:
    """``H S`` (n x k) by k double-backward Hessian-vector products along the columns of ``S`` (n x k)."""
    out = []
    for j in range(columns.shape[1]):
        vecs = [
            torch.view_as_complex(v) if p.is_complex() else v for p, v in zip(params, unflatten(columns[:, j], params))
        ]
        out.append(flatten(hvp(loss, params, vecs, grads=grads)).to(columns.dtype))
    return torch.stack(out, dim=1) if out else columns.new_zeros(columns.shape)


def dense_hessian(loss: Tensor, params: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
    """``(g, H)`` of a scalar loss with its graph: the flat gradient and the dense (n x n) Hessian in float64."""
    grads = gradient(loss, params)
    flat = flatten(grads).detach().double()
    eye = torch.eye(flat.numel(), dtype=torch.float64, device=flat.device)
    hess = hessian_products(loss, params, grads, eye)
    return flat, (hess + hess.T) / 2


@torch.no_grad()
def fd_gradient_hessian(
    value: Callable[[], Tensor], params: Sequence[Tensor], h: float
) -> tuple[Tensor, Tensor, Tensor]:
    """``(f0, g, H)`` from function values only (central differences, 2n² + 1 evaluations; float64).

    ``g_i = (f(x+he_i) - f(x-he_i)) / 2h``, ``H_ii = (f(x+he_i) - 2f_0 + f(x-he_i)) / h²``,
    ``H_ij = (f(x+he_i+he_j) - f(x-he_i+he_j) - f(x+he_i-he_j) + f(x-he_i-he_j)) / 4h²`` (upper triangle, mirrored).
    Parameters are perturbed in place and restored exactly.
    """
    views = [_real(p).view(-1) if _real(p).is_contiguous() else None for p in params]
    saved = [p.detach().clone() for p in params]
    sizes = [_real(p).numel() for p in params]
    index = [(k, i) for k, n in enumerate(sizes) for i in range(n)]

    def shift(entries: Sequence[tuple[int, float]]) -> float:
        for j, delta in entries:
            k, i = index[j]
            real = _real(params[k])
            flat = views[k] if views[k] is not None else real.reshape(-1)
            flat[i] += delta
            if views[k] is None:
                real.copy_(flat.view(real.shape))
        f = value().detach().double()
        for p, s in zip(params, saved):
            p.copy_(s)
        return f

    n = len(index)
    f0 = value().detach().double()
    g = torch.zeros(n, dtype=torch.float64, device=params[0].device)
    hess = torch.zeros(n, n, dtype=torch.float64, device=params[0].device)
    for i in range(n):
        fp, fm = shift([(i, h)]), shift([(i, -h)])
        g[i] = (fp - fm) / (2 * h)
        hess[i, i] = (fp - 2 * f0 + fm) / h**2
        for j in range(i + 1, n):
            pp, mp = shift([(i, h), (j, h)]), shift([(i, -h), (j, h)])
            pm, mm = shift([(i, h), (j, -h)]), shift([(i, -h), (j, -h)])
            hess[i, j] = hess[j, i] = (pp - mp - pm + mm) / (4 * h**2)
    return f0, g, hess


def check_params(optimizer, group: dict[str, Any]) -> list[Tensor]:
    """The group's trainable parameters; complex ones raise (the dense Hessian is over real coordinates)."""
    params = [p for p in group['params'] if p.requires_grad]
    if any(p.is_complex() for p in params):
        from pytorch_optimizer.base.exceptions import NoComplexParameterError

        raise NoComplexParameterError(owner_name(optimizer))
    return params


def value_and_grads(
    closure: Callable[..., Tensor], params: Sequence[Tensor]
) -> tuple[Any, list[Tensor], list[Tensor]]:
    """``closure(False)`` with its graph: ``(value, parameters the value depends on, their gradients with graph)``."""
    with torch.enable_grad():
        value = closure(False)
        if not isinstance(value, Tensor) or not value.requires_grad:
            return value, [], []
        grads = torch.autograd.grad(value, list(params), create_graph=True, allow_unused=True)
    pairs = [(p, g) for p, g in zip(params, grads) if g is not None]
    return value, [p for p, _ in pairs], [g for _, g in pairs]


def derivatives(
    closure: Callable[..., Tensor], params: Sequence[Tensor], method: str, h: float
) -> tuple[Any, list[Tensor], Tensor, Tensor]:
    """``(f, active parameters, g, H)`` (float64) by autograd (n Hessian-vector products) or ``'fd'`` (values only).

    With autograd the active parameters are those the value depends on; finite differences cannot tell
    and use every parameter.
    """
    if method == 'fd':
        f0, g, hess = fd_gradient_hessian(lambda: closure(False), params, h)
        return f0, list(params), g, hess
    value, active, grads = value_and_grads(closure, params)
    if not active:
        device = params[0].device
        return (
            value,
            [],
            torch.zeros(0, dtype=torch.float64, device=device),
            torch.zeros(0, 0, dtype=torch.float64, device=device),
        )
    with torch.enable_grad():
        n = sum(p.numel() for p in active)
        hess = hessian_products(value, active, grads, torch.eye(n, dtype=torch.float64, device=active[0].device))
    return value.detach(), active, flatten(grads).detach().double(), (hess + hess.T) / 2
