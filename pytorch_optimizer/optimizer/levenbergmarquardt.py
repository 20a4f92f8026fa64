"""Levenberg-Marquardt trust-region Newton with a dense Hessian, for small problems.

Reference: Moré, "The Levenberg-Marquardt algorithm: implementation and theory", Numerical Analysis,
LNM 630, Springer 1978; Nocedal & Wright, "Numerical Optimization", 2nd ed., 2006, ch. 4 (trust-region
ratio test). Radius rules as in torchzero's ``LevenbergMarquardt`` (https://github.com/inikishev/torchzero).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.functional import copy_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Closure, Params
from pytorch_optimizer.base.validation import (
    check_bool,
    check_choice,
    check_lr,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_range,
    owner_name,
)
from pytorch_optimizer.optimizer._newton_common import apply_step, check_params, derivatives, newton_solve
from pytorch_optimizer.registry import register_optimizer

TINY = torch.finfo(torch.float64).tiny


@register_optimizer
class LevenbergMarquardt(BaseOptimizer):
    r"""Damped Newton steps whose damping :math:`\lambda = 1/r` follows a trust radius :math:`r`.

    .. math::
        d = (H + \lambda D')^{-1} g, \quad D' = \mathrm{diag}(y\,\mathrm{diag}(H) + 1 - y), \quad
        \rho = \frac{f(\theta) - f(\theta - d)}{\max(g^\top d - \tfrac12 d^\top H d,\ 2\,\mathrm{tiny})}

    (:math:`\lambda` times :math:`\lVert g \rVert^{1/2}` with ``adaptive``; diagonal entries of :math:`D'` below
    :math:`2\,\mathrm{tiny}` are 1). :math:`\rho <` ``rho_bad`` or non-finite shrinks :math:`r` by ``nminus``,
    :math:`\rho >` ``rho_good`` grows it by ``nplus``; a radius outside :math:`[2\,\mathrm{tiny}, \mathrm{max}/2]`
    restarts at ``init``. The step :math:`\theta \leftarrow \theta - \eta d` is taken when :math:`\rho >` ``eta``;
    otherwise :math:`d` is re-solved with the new radius, up to ``max_attempts`` times, then no step is taken.
    The radius is kept in the group (``radius``). The ratio test reads :math:`\rho` on the host (one sync per
    attempt: the acceptance is a decision). ``step(closure)`` needs ``closure(backward=True)``; the Hessian
    and gradient come from ``closure(False)`` as in :class:`Newton`.

    Args:
        params: parameters or parameter groups.
        lr: step multiplier :math:`\eta` (1 = the trust-region step).
        eta: acceptance threshold of :math:`\rho`.
        nplus: radius growth factor.
        nminus: radius shrink factor.
        rho_good: :math:`\rho` above which the radius grows.
        rho_bad: :math:`\rho` below which the radius shrinks.
        init: initial radius.
        max_attempts: solves per step.
        y: weight of :math:`\mathrm{diag}(H)` in the damping matrix (0 = identity, Levenberg; 1 = Marquardt).
        adaptive: scale :math:`\lambda` by :math:`\lVert g \rVert^{1/2}`.
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
        *,
        eta: float = 0.0,
        nplus: float = 3.5,
        nminus: float = 0.25,
        rho_good: float = 0.99,
        rho_bad: float = 1e-4,
        init: float = 1.0,
        max_attempts: int = 10,
        y: float = 0.0,
        adaptive: bool = False,
        hessian: str = 'autograd',
        h: float = 1e-3,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            eta=check_range(self, 'eta', eta, 0.0, 1.0),
            nplus=check_range(self, 'nplus', nplus, 1.0),
            nminus=check_range(self, 'nminus', nminus, 0.0, 1.0, low_inclusive=False, high_inclusive=True),
            rho_good=check_non_negative(self, 'rho_good', rho_good),
            rho_bad=check_non_negative(self, 'rho_bad', rho_bad),
            init=check_positive(self, 'init', init),
            max_attempts=check_positive_int(self, 'max_attempts', max_attempts),
            y=check_range(self, 'y', y, 0.0, 1.0, high_inclusive=True),
            adaptive=check_bool(self, 'adaptive', adaptive),
            hessian=check_choice(self, 'hessian', hessian, ('autograd', 'fd')),
            h=check_positive(self, 'h', h),
            maximize=maximize,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """One trust-region step per group; returns the first closure value."""
        if closure is None:
            raise NoClosureError(owner_name(self), ' (closure(backward=True) -> loss)')
        loss = None
        for group in self.param_groups:
            value, active, grad, hess = derivatives(closure, check_params(self, group), group['hessian'], group['h'])
            loss = value if loss is None else loss
            if not active:
                continue
            group['step'] += 1
            sign = -1.0 if group['maximize'] else 1.0
            f0, grad, hess = sign * float(value), sign * grad, sign * hess
            diag = group['y'] * hess.diagonal() + (1.0 - group['y'])
            diag = torch.diag(torch.where(diag < 2 * TINY, 1.0, diag))
            scale = float(grad.norm()) ** 0.5 if group['adaptive'] else 1.0
            radius = group.get('radius', group['init'])
            saved = [p.detach().clone() for p in active]
            for _ in range(group['max_attempts']):
                direction = newton_solve(hess + (scale / radius) * diag, grad, 0.0, None, 0.0)
                predicted = float(grad @ direction - 0.5 * direction @ hess @ direction)
                apply_step(active, direction, 1.0)
                f1 = sign * float(closure(False))
                copy_(active, saved)
                rho = (f0 - f1) / max(predicted, 2 * TINY)
                if rho < group['rho_bad'] or not math.isfinite(rho):
                    radius *= group['nminus']
                elif rho > group['rho_good']:
                    radius *= group['nplus']
                if not 2 * TINY <= radius <= torch.finfo(torch.float64).max / 2:
                    radius = group['init']
                if math.isfinite(rho) and rho > group['eta']:
                    apply_step(active, direction, group['lr'])
                    break
            group['radius'] = radius
        return loss
