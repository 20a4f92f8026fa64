"""Curvature primitives: Hessian-vector products, directional derivatives, Hutchinson diagonals.

Shared by the second-order learning-rate methods (GeN, Newton-summary) and second-order optimizers.
Every function takes and returns lists of tensors aligned with ``params``; complex parameters are
handled through their real views (``torch.view_as_real``), so inner products are real.

* :func:`hvp` — reverse-over-reverse (double backward) ``H v`` from a scalar loss with a graph.
* :func:`hvp_func` — forward-over-reverse ``H v`` of a pure function with ``torch.func``.
* :func:`directional_curvature` — ``(g^T d, d^T H d)`` by double backward (one extra backward).
* :func:`directional_derivatives` — ``(f, g^T d, d^T H d)`` of a pure function by nested
  forward-mode AD (no backward pass at all).
* :func:`hutchinson_diagonal` — ``E[z \\odot Hz]`` with a seeded Rademacher or Gaussian ``z``.
* :func:`hvp_finite_difference` — ``H v`` from two gradient evaluations (no double backward).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor


def _real(x: Tensor) -> Tensor:
    return torch.view_as_real(x) if torch.is_complex(x) else x


def dot(a: Sequence[Tensor], b: Sequence[Tensor]) -> Tensor:
    """Real inner product ``sum_i <a_i, b_i>`` of two tensor lists (a 0-d tensor, no host sync)."""
    total = torch.zeros(())
    for x, y in zip(a, b):
        total = total + (_real(x) * _real(y)).sum()
    return total


def _grad(output: Tensor, params: Sequence[Tensor], create_graph: bool) -> list[Tensor]:
    """``d output / d params`` (graph kept) with zeros for unused parameters and for an output without a graph."""
    if not output.requires_grad:
        return [torch.zeros_like(p) for p in params]
    grads = torch.autograd.grad(output, list(params), retain_graph=True, create_graph=create_graph, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]


def gradient(output: Tensor, params: Sequence[Tensor], *, create_graph: bool = True) -> list[Tensor]:
    """The gradient of a scalar ``output`` (zeros where unused; ``create_graph`` for higher derivatives).

    The graph of ``output`` is retained, so several derivatives of one forward pass can be taken.
    """
    return _grad(output, params, create_graph)


def hvp(
    loss: Tensor,
    params: Sequence[Tensor],
    vectors: Sequence[Tensor],
    *,
    grads: Sequence[Tensor] | None = None,
    create_graph: bool = False,
) -> list[Tensor]:
    """Hessian-vector product ``H v`` by double backward: ``H v = d/dθ <∇L(θ), v>``.

    Args:
        loss: scalar loss with its autograd graph.
        params: the tensors the Hessian is taken with respect to.
        vectors: ``v``, one tensor per parameter (treated as constants).
        grads: ``∇L`` already computed with ``create_graph=True`` (saves one backward).
        create_graph: keep the graph of the result (for third derivatives).
    """
    if grads is None:
        grads = gradient(loss, params)
    return _grad(dot(grads, [v.detach() for v in vectors]), params, create_graph)


def directional_curvature(
    loss: Tensor, params: Sequence[Tensor], direction: Sequence[Tensor], *, grads: Sequence[Tensor] | None = None
) -> tuple[Tensor, Tensor]:
    """``(g^T d, d^T H d)`` of ``loss`` along ``direction`` (first and second derivatives of ``t -> L(θ + t d)``)."""
    if grads is None:
        grads = gradient(loss, params)
    slope = dot(grads, [d.detach() for d in direction])
    hd = _grad(slope, params, False)
    return slope.detach(), dot(hd, direction).detach()


def hvp_func(
    func: Callable[[tuple[Tensor, ...]], Tensor], params: Sequence[Tensor], vectors: Sequence[Tensor]
) -> tuple[list[Tensor], list[Tensor]]:
    """Forward-over-reverse ``(∇f, H v)`` of a pure function ``func(params_tuple) -> scalar`` (``torch.func``)."""
    primals = tuple(p.detach() for p in params)
    grads, hv = torch.func.jvp(torch.func.grad(func), (primals,), (tuple(v.detach() for v in vectors),))
    return list(grads), list(hv)


def directional_derivatives(
    func: Callable[[tuple[Tensor, ...]], Tensor], params: Sequence[Tensor], direction: Sequence[Tensor]
) -> tuple[Tensor, Tensor, Tensor]:
    """``(ψ(0), ψ'(0), ψ''(0)) = (f, g^T d, d^T H d)`` for ``ψ(t) = func(θ + t d)`` by nested forward mode."""
    primals = tuple(p.detach() for p in params)
    tangents = tuple(d.detach() for d in direction)

    def psi(t: Tensor) -> Tensor:
        return func(tuple(p + t * d for p, d in zip(primals, tangents)))

    def first(t: Tensor) -> tuple[Tensor, Tensor]:
        return torch.func.jvp(psi, (t,), (torch.ones_like(t),))

    zero = torch.zeros((), dtype=primals[0].real.dtype, device=primals[0].device)
    (value, slope), (_, curvature) = torch.func.jvp(first, (zero,), (torch.ones_like(zero),))
    return value.detach(), slope.detach(), curvature.detach()


def rademacher_like(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Independent ±1 entries with the shape, dtype and device of ``x``."""
    bits = torch.randint(0, 2, x.shape, generator=generator, device=x.device)
    return (2 * bits - 1).to(x.dtype)


def hutchinson_diagonal(
    loss: Tensor,
    params: Sequence[Tensor],
    *,
    n_samples: int = 1,
    distribution: str = 'rademacher',
    generator: torch.Generator | None = None,
    grads: Sequence[Tensor] | None = None,
) -> list[Tensor]:
    """Hutchinson's estimate of ``diag(H)``: the mean of ``z ⊙ Hz`` over ``n_samples`` probes.

    Unbiased for Rademacher (``z_i = ±1``, exact for a diagonal Hessian) and Gaussian probes. The
    probes come from ``generator`` (seed it for reproducible estimates). The graph of ``loss`` is kept.
    """
    if distribution not in ('rademacher', 'gaussian'):
        raise ValueError(f"hutchinson_diagonal: distribution must be 'rademacher' or 'gaussian', got {distribution!r}")
    if grads is None:
        grads = gradient(loss, params)
    estimate = [torch.zeros_like(p) for p in params]
    for _ in range(n_samples):
        if distribution == 'rademacher':
            zs = [rademacher_like(p, generator) for p in params]
        else:
            zs = [torch.randn(p.shape, generator=generator, dtype=p.dtype, device=p.device) for p in params]
        hz = _grad(dot(grads, zs), params, False)
        torch._foreach_add_(estimate, torch._foreach_mul(zs, hz), alpha=1.0 / n_samples)
    return estimate


@torch.no_grad()
def hvp_finite_difference(
    grad_fn: Callable[[], Sequence[Tensor]],
    params: Sequence[Tensor],
    vectors: Sequence[Tensor],
    *,
    h: float = 1e-3,
    central: bool = True,
) -> list[Tensor]:
    """``H v ≈ ‖v‖ (∇f(θ + h v̂) − ∇f(θ − h v̂)) / (2h)`` (``central``) or forward ``(∇f(θ + h v̂) − ∇f(θ)) / h``.

    ``grad_fn()`` returns the gradient at the current values of ``params``, which are perturbed in
    place and restored exactly (copied back) afterwards. Exact for quadratics up to rounding.
    """
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(_real(v)) for v in vectors]))
    if float(norm) == 0.0:
        return [torch.zeros_like(p) for p in params]
    unit = torch._foreach_div([v.detach() for v in vectors], norm)
    saved = [p.detach().clone() for p in params]

    def grad_at(shift: float) -> list[Tensor]:
        for p, s, u in zip(params, saved, unit):
            p.copy_(s + shift * u)
        with torch.enable_grad():
            return [g.detach().clone() for g in grad_fn()]

    try:
        plus = grad_at(h)
        minus = grad_at(-h) if central else grad_at(0.0)
    finally:
        for p, s in zip(params, saved):
            p.copy_(s)
    scale = norm / (2 * h if central else h)
    return [(a - b) * scale for a, b in zip(plus, minus)]
