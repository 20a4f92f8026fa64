"""Pieces shared by the second-order optimizers of this package (not registered, not auto-imported).

* :func:`hutchinson_estimate` — Hutchinson ``z ⊙ Hz`` from gradients that carry their graph
  (``loss.backward(create_graph=True)``), probes drawn from generators kept in the optimizer state;
* :func:`matrix_inverse_root` — ``(A + ridge)^{-1/p}`` of a symmetric PSD matrix by ``eigh`` in float64;
* :func:`dense_hessian`, :func:`fd_gradient_hessian`, :func:`newton_solve` — dense Newton machinery
  for small problems (Newton, NewtonFDM, LevenbergMarquardt, SubspaceNewton).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from pytorch_optimizer.base.exceptions import MissingGraphError
from pytorch_optimizer.base.hessian import gradient, hvp, rademacher_like
from pytorch_optimizer.base.validation import owner_name

GENERATOR_KEY = 'hutchinson_generators'


def _real(x: Tensor) -> Tensor:
    return torch.view_as_real(x) if torch.is_complex(x) else x


def hutchinson_estimate(
    optimizer, group: dict[str, Any], n_samples: int, distribution: str, seed: int
) -> list[Tensor]:
    """``(1/n) Σ z ⊙ Hz`` for the parameters of ``group`` that have a gradient (real views, detached).

    The probes are drawn on each parameter's real view from one generator per device whose state is
    kept as a uint8 tensor in ``optimizer.state[GENERATOR_KEY]`` (saved and resumed with ``state_dict``).
    """
    params = [p for p in group['params'] if p.grad is not None]
    grads = [p.grad for p in params]
    if not any(g.requires_grad for g in grads):
        raise MissingGraphError(owner_name(optimizer))
    saved = optimizer.state.setdefault(GENERATOR_KEY, {})
    generators: dict[str, torch.Generator] = {}
    for p in params:
        name = str(p.device)
        if name not in generators:
            generators[name] = torch.Generator(device=p.device)
            if name in saved:
                generators[name].set_state(saved[name])
            else:
                generators[name].manual_seed(seed)
    estimate = [torch.zeros_like(_real(p)) for p in params]
    for _ in range(n_samples):
        zs = []
        for p in params:
            gen, shape = generators[str(p.device)], _real(p).shape
            dtype = p.real.dtype
            z = (
                rademacher_like(torch.empty(shape, dtype=dtype, device=p.device), gen)
                if distribution == 'rademacher'
                else torch.randn(shape, generator=gen, dtype=dtype, device=p.device)
            )
            zs.append(z)
        with torch.enable_grad():
            hz = hvp(
                None,
                params,
                [torch.view_as_complex(z) if p.is_complex() else z for p, z in zip(params, zs)],
                grads=grads,
            )
        torch._foreach_add_(estimate, torch._foreach_mul(zs, [_real(h).detach() for h in hz]), alpha=1.0 / n_samples)
    for name, gen in generators.items():
        saved[name] = gen.get_state()
    return estimate


class HutchinsonMixin:
    """Shared by AdaHessian and SophiaH: a per-parameter count of Hessian estimates (``hessian_updates``,
    a Python int in the state) and the periodic, seeded Hutchinson estimate of the diagonal."""

    def init_state(self, group: dict[str, Any], param: Tensor, keys: tuple[str, ...]) -> dict[str, Any]:
        state = super().init_state(group, param, tuple(k for k in keys if k != 'hessian_updates'))
        if 'hessian_updates' in keys:
            state['hessian_updates'] = 0
        return state

    def due_hessian_estimate(self, group: dict[str, Any], states: list[dict[str, Any]]) -> list[Tensor] | None:
        """The diagonal estimate (negated with ``maximize``) every ``update_period`` steps, or when a parameter
        has none yet; ``None`` otherwise."""
        if (group['step'] - 1) % group['update_period'] and all(s['hessian_updates'] for s in states):
            return None
        diag = hutchinson_estimate(self, group, group['num_samples'], group['hessian_distribution'], group['seed'])
        if group['maximize']:
            torch._foreach_neg_(diag)
        return diag


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


# ------------------------------------------------------------------------------------ dense Newton
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


@torch.no_grad()
def apply_step(params: Sequence[Tensor], direction: Tensor, lr: float) -> None:
    """``θ ← θ − lr · d`` for a flat float64 ``d`` over ``params``."""
    torch._foreach_add_(list(params), unflatten(direction, params), alpha=-lr)
