"""Newton's method with a dense Hessian (autograd or finite differences), for small problems.

Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., Springer 2006, ch. 3.3 and 8.1
(finite-difference Newton); modified-Newton eigenvalue handling as in torchzero's ``Newton``
(https://github.com/inikishev/torchzero).
"""

from __future__ import annotations

from typing import Any

import torch

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.optimizer import BaseOptimizer, Closure, Params
from pytorch_optimizer.base.validation import check_choice, check_lr, check_non_negative, check_positive, owner_name
from pytorch_optimizer.optimizer._newton_common import apply_step, check_params, derivatives, newton_solve
from pytorch_optimizer.registry import register_optimizer


@register_optimizer(variants={'newtonfdm': {'hessian': 'fd'}})
class Newton(BaseOptimizer):
    r"""Dense Newton step per parameter group: :math:`\theta \leftarrow \theta - \eta\,(H + \lambda I)^{-1} g`.

    The Hessian comes from autograd (one Hessian-vector product per coordinate) or, with ``hessian='fd'``
    (variant ``newtonfdm``), from central differences of function values only (:math:`2n^2 + 1` closure
    calls, the gradient too: fully zeroth-order):

    .. math::
        g_i = \frac{f(x+he_i) - f(x-he_i)}{2h}, \quad H_{ii} = \frac{f(x+he_i) - 2f(x) + f(x-he_i)}{h^2}, \quad
        H_{ij} = \frac{f(x+he_i+he_j) - f(x-he_i+he_j) - f(x+he_i-he_j) + f(x-he_i-he_j)}{4h^2}

    The system is solved by ``eigh`` in float64 (a pseudo-inverse for singular :math:`H`); ``eigval_fn='abs'``
    replaces the eigenvalues by :math:`\max(|\lambda_i|, \lambda_{min})` (saddle-free Newton for non-convex
    problems), ``'clip'`` by :math:`\max(\lambda_i, \lambda_{min})`. A non-finite :math:`H` or :math:`g` skips the
    step. ``step(closure)`` needs ``closure(backward=True)``; it calls ``closure(False)`` (value only: the
    gradient is taken from its graph, ``p.grad`` is not written) and returns the first value. Each parameter
    group is one Newton block; with autograd, parameters the loss does not depend on are left alone.

    Args:
        params: parameters or parameter groups.
        lr: step size :math:`\eta` (1 = the full Newton step).
        damping: :math:`\lambda` (Levenberg-Marquardt damping).
        eigval_fn: ``None``, ``'abs'`` or ``'clip'`` (eigenvalue modification).
        eigval_min: :math:`\lambda_{min}` of ``eigval_fn``.
        hessian: ``'autograd'`` or ``'fd'`` (finite differences of function values).
        h: finite-difference step.
        maximize: maximize the objective.
    """

    requires_closure = True
    supports_complex = False
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        damping: float = 0.0,
        *,
        eigval_fn: str | None = None,
        eigval_min: float = 1e-4,
        hessian: str = 'autograd',
        h: float = 1e-3,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            damping=check_non_negative(self, 'damping', damping),
            eigval_fn=check_choice(self, 'eigval_fn', eigval_fn, (None, 'abs', 'clip')),
            eigval_min=check_non_negative(self, 'eigval_min', eigval_min),
            hessian=check_choice(self, 'hessian', hessian, ('autograd', 'fd')),
            h=check_positive(self, 'h', h),
            maximize=maximize,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """One Newton step per group; returns the first closure value."""
        if closure is None:
            raise NoClosureError(owner_name(self), ' (closure(backward=True) -> loss)')
        loss = None
        for group in self.param_groups:
            value, active, grad, hess = derivatives(closure, check_params(self, group), group['hessian'], group['h'])
            loss = value if loss is None else loss
            if not active:
                continue
            group['step'] += 1
            if group['maximize']:
                grad, hess = -grad, -hess
            direction = newton_solve(hess, grad, group['damping'], group['eigval_fn'], group['eigval_min'])
            apply_step(active, direction, group['lr'])
        return loss
