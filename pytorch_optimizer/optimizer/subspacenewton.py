"""Randomized subspace Newton: Newton steps restricted to a k-dimensional sketch of the parameter space.

Reference: Gower, Kovalev, Lieder & Richtárik, "RSN: Randomized Subspace Newton", NeurIPS 2019.
https://arxiv.org/abs/1905.10874 (sketch types as in torchzero's ``SubspaceNewton``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.optimizer import BaseOptimizer, Closure, Params
from pytorch_optimizer.base.validation import (
    check_choice,
    check_lr,
    check_non_negative,
    check_positive_int,
    owner_name,
)
from pytorch_optimizer.optimizer._newton_common import (
    apply_step,
    check_params,
    flatten,
    hessian_products,
    newton_solve,
    value_and_grads,
)
from pytorch_optimizer.registry import register_optimizer

SKETCHES = ('common_directions', 'orthonormal', 'rademacher', 'rows', 'topk')
STATE_KEY = 'subspace_newton'
TINY = torch.finfo(torch.float64).tiny


@register_optimizer
class SubspaceNewton(BaseOptimizer):
    r"""Newton step in the span of a sketch :math:`S \in \mathbb{R}^{n \times k}`, :math:`k` = ``sketch_size``.

    .. math::
        \hat H = S^\top H S + \lambda I, \quad d = S \hat H^{-1} S^\top g, \quad \theta \leftarrow \theta - \eta\, d

    :math:`HS` costs :math:`k` Hessian-vector products (double backward), so Newton steps stay affordable
    for large models. Sketches: ``'orthonormal'`` (QR of a Gaussian matrix), ``'rademacher'``
    (:math:`\pm 1/\sqrt n`), ``'rows'`` (:math:`k` random coordinates), ``'topk'`` (the :math:`k` largest
    :math:`|g_i|`), ``'common_directions'`` (Gram-Schmidt history of the last :math:`k` gradients, kept in
    float64; a gradient already in the span adds a zero column instead of being dropped, no host sync).
    The random sketches come from a generator seeded with ``seed``; its state and the directions are saved
    in ``state_dict`` (``state['subspace_newton']``). The solve follows :class:`Newton` (``eigh``,
    ``eigval_fn``). Gower et al. draw a fresh sketch and step :math:`1/\hat L`; here the step size is ``lr``.
    ``step(closure)`` needs ``closure(backward=True)`` and uses ``closure(False)``'s graph.

    Args:
        params: parameters or parameter groups.
        lr: step size :math:`\eta`.
        sketch_size: :math:`k` (at most the number of coordinates).
        sketch_type: one of ``'common_directions'``, ``'orthonormal'``, ``'rademacher'``, ``'rows'``, ``'topk'``.
        damping: :math:`\lambda`.
        eigval_fn: ``None``, ``'abs'`` or ``'clip'`` (see :class:`Newton`).
        eigval_min: :math:`\lambda_{min}` of ``eigval_fn``.
        seed: seed of the sketch generator.
        maximize: maximize the objective.
    """

    requires_closure = True
    supports_complex = False
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        sketch_size: int = 100,
        *,
        sketch_type: str = 'common_directions',
        damping: float = 0.0,
        eigval_fn: str | None = None,
        eigval_min: float = 1e-4,
        seed: int = 0,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            sketch_size=check_positive_int(self, 'sketch_size', sketch_size),
            sketch_type=check_choice(self, 'sketch_type', sketch_type, SKETCHES),
            damping=check_non_negative(self, 'damping', damping),
            eigval_fn=check_choice(self, 'eigval_fn', eigval_fn, (None, 'abs', 'clip')),
            eigval_min=check_non_negative(self, 'eigval_min', eigval_min),
            seed=check_positive_int(self, 'seed', seed, allow_zero=True),
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _sketch(self, index: int, group: dict, params: list[Tensor], active: list[Tensor], grad: Tensor) -> Tensor:
        n, k, kind = grad.numel(), min(group['sketch_size'], grad.numel()), group['sketch_type']
        saved = self.state.setdefault(STATE_KEY, {})
        if kind == 'common_directions':
            mask = torch.cat([torch.full((p.numel(),), any(p is a for a in active)) for p in params])
            full = grad.new_zeros(mask.numel()).masked_scatter(mask.to(grad.device), grad)
            history = saved.get(f'directions_{index}', grad.new_zeros(mask.numel(), 0)).to(grad.device)
            residual = full - history @ (history.T @ full)
            norm = residual.norm()
            column = torch.where(norm > 2 * TINY, residual / torch.where(norm > 0, norm, 1.0), 0.0)
            history = torch.cat([history, column[:, None]], dim=1)[:, -k:]
            saved[f'directions_{index}'] = history
            return history[mask.to(grad.device)]
        if kind == 'topk':
            return torch.eye(n, dtype=grad.dtype, device=grad.device)[:, grad.abs().topk(k).indices]
        gen = torch.Generator()
        gen.set_state(saved['generator']) if 'generator' in saved else gen.manual_seed(group['seed'])
        if kind == 'orthonormal':
            sketch = torch.linalg.qr(torch.randn(n, k, generator=gen, dtype=torch.float64))[0]
        elif kind == 'rademacher':
            sketch = (2.0 * torch.randint(0, 2, (n, k), generator=gen) - 1.0).double() / n**0.5
        else:
            sketch = torch.eye(n, dtype=torch.float64)[:, torch.randperm(n, generator=gen)[:k]]
        saved['generator'] = gen.get_state()
        return sketch.to(grad.device)

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """One subspace Newton step per group; returns the first closure value."""
        if closure is None:
            raise NoClosureError(owner_name(self), ' (closure(backward=True) -> loss)')
        loss = None
        for index, group in enumerate(self.param_groups):
            params = check_params(self, group)
            value, active, grads = value_and_grads(closure, params)
            loss = value if loss is None else loss
            if not active:
                continue
            group['step'] += 1
            sign = -1.0 if group['maximize'] else 1.0
            grad = sign * flatten(grads).detach().double()
            sketch = self._sketch(index, group, params, active, grad)
            with torch.enable_grad():
                hs = sign * hessian_products(value, active, grads, sketch)
            reduced = sketch.T @ hs
            coeffs = newton_solve(
                (reduced + reduced.T) / 2, sketch.T @ grad, group['damping'], group['eigval_fn'], group['eigval_min']
            )
            apply_step(active, sketch @ coeffs, group['lr'])
        return loss
