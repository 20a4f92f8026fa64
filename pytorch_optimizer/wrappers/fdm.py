"""Finite-difference gradient estimation as a wrapper around any optimizer; coordinate-wise FDM.

References: finite-difference stencils as in Fornberg, "Generation of Finite Difference Formulas on
Arbitrarily Spaced Grids", Math. Comp. 1988 (https://doi.org/10.1090/S0025-5718-1988-0935077-0); the
wrapper design follows torchzero 0.4.4 (``tz.m.FDM``, https://github.com/inikishev/torchzero).
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.validation import check_bool, check_choice, check_positive, owner_name
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers._closure import Closure, loss_value, real_view, require_backward_argument

# formula -> ({offset k: coefficient c_k}, denominator D): derivative ~ sum_k c_k f(x + k h v) / (D h)
FORMULAS: dict[str, tuple[dict[int, float], float]] = {
    'forward': ({0: -1.0, 1: 1.0}, 1.0),
    'backward': ({-1: -1.0, 0: 1.0}, 1.0),
    'central': ({-1: -1.0, 1: 1.0}, 2.0),
    'forward3': ({0: -3.0, 1: 4.0, 2: -1.0}, 2.0),
    'backward3': ({-2: 1.0, -1: -4.0, 0: 3.0}, 2.0),
    'central4': ({-2: 1.0, -1: -8.0, 1: 8.0, 2: -1.0}, 12.0),
    'forward4': ({0: -11.0, 1: 18.0, 2: -9.0, 3: 2.0}, 6.0),
    'forward5': ({0: -25.0, 1: 48.0, 2: -36.0, 3: 16.0, 4: -3.0}, 12.0),
}


class FiniteDifferenceWrapper(BaseWrapper):
    """Shared machinery: replace the closure by one whose backward pass writes an estimate into ``p.grad``.

    ``step(closure)`` hands the inner optimizer a closure ``c(backward=True)``: ``c(False)`` is the loss;
    ``c()`` computes the estimate from loss values only (never calling ``backward``), writes it into
    ``p.grad`` of every parameter with ``requires_grad`` and returns :math:`f(x)`. So the inner
    optimizer, a line search included, steps once with the estimate; everything a plain optimizer needs
    is a closure. ``state['fdm']`` counts steps and closure evaluations (``num_evaluations``).
    """

    requires_closure = True

    def __init__(self, optimizer: Optimizer, defaults: dict[str, Any]) -> None:
        super().__init__(optimizer, defaults)
        self.state['fdm'] = {'step': 0, 'num_evaluations': 0}

    def _begin_step(self, state: dict[str, Any]) -> Any:
        """Per-step context shared by every closure call of the step (e.g. the random directions)."""
        return None

    def _estimate(self, value: Closure, params: list[Tensor], context: Any) -> Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """One inner step with the finite-difference gradient; returns the inner step's result (the loss)."""
        if closure is None:
            raise NoClosureError(owner_name(self), ': it estimates the gradient from loss values')
        require_backward_argument(self, closure)
        state = dict(self.state['fdm'])  # a fresh dict: an earlier state_dict() never changes afterwards
        context = self._begin_step(state)
        evaluations = [0]

        def value() -> Tensor:
            evaluations[0] += 1
            return loss_value(closure, value_only=True)

        def estimating_closure(backward: bool = True) -> Tensor:
            if not backward:
                return value()
            params = [p for group in self.param_groups for p in group['params'] if p.requires_grad]
            with torch.no_grad():
                return self._estimate(value, params, context)

        loss = self.optimizer.step(estimating_closure)
        state['step'] = state.get('step', 0) + 1
        state['num_evaluations'] = state.get('num_evaluations', 0) + evaluations[0]
        self.state['fdm'] = state
        return loss

    @staticmethod
    def _zeroed_grads(params: list[Tensor]) -> list[Tensor]:
        for p in params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            else:
                p.grad.zero_()
        return [real_view(p.grad) for p in params]

    def _loss_at_x(self, value: Closure, f0: Tensor | None, total: Tensor | float, count: int) -> Tensor:
        """:math:`f(x)`: shared ``f0``, else the mean of the evaluated values (``return_approx_loss``) or one more."""
        if f0 is not None:
            return f0
        if self.defaults['return_approx_loss'] and count:
            return total / count
        return value()


@register_wrapper
class FDM(FiniteDifferenceWrapper):
    r"""Coordinate-wise finite differences: the gradient from loss values only, then one inner step.

    .. math::
        \hat g_i = \frac{1}{D h} \sum_k c_k\, f(x + k h e_i), \qquad
        \text{central: } \hat g_i = \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    Costs :math:`n\,|\{k \ne 0\}|` evaluations per estimate (``2n`` for central) plus one for :math:`f(x)`
    when the stencil uses it (shared by all coordinates). Central differences are exact on quadratics.
    See :class:`FiniteDifferenceWrapper` for the closure protocol.

    Args:
        optimizer: the inner optimizer, stepped once per ``step`` with the estimate in ``p.grad``.
        h: finite-difference step :math:`h`.
        formula: stencil: ``'forward'``, ``'backward'``, ``'central'``, ``'forward3'``, ``'backward3'``,
            ``'central4'``, ``'forward4'`` or ``'forward5'``.
        return_approx_loss: for stencils without :math:`f(x)`, return the mean of the evaluated values
            (an :math:`O(h^2)` approximation for central stencils) instead of one extra evaluation.
    """

    def __init__(
        self, optimizer: Optimizer, h: float = 1e-3, formula: str = 'central', *, return_approx_loss: bool = False
    ) -> None:
        super().__init__(
            optimizer,
            dict(
                h=check_positive(self, 'h', h),
                formula=check_choice(self, 'formula', formula, tuple(FORMULAS)),
                return_approx_loss=check_bool(self, 'return_approx_loss', return_approx_loss),
            ),
        )

    def _estimate(self, value: Closure, params: list[Tensor], context: Any) -> Tensor:
        coefficients, denominator = FORMULAS[self.defaults['formula']]
        h = self.defaults['h']
        f0 = value() if 0 in coefficients else None
        total, count = 0.0, 0
        for p, grad in zip([real_view(p) for p in params], self._zeroed_grads(params)):
            for index in itertools.product(*(range(n) for n in p.shape)):
                origin = p[index].clone()
                difference = coefficients[0] * f0 if f0 is not None else 0.0
                for k, c in coefficients.items():
                    if k != 0:
                        p[index] = origin + k * h
                        f = value()
                        total, count = total + f, count + 1
                        difference = difference + c * f
                p[index] = origin
                grad[index] = difference / (denominator * h)
        return self._loss_at_x(value, f0, total, count)
