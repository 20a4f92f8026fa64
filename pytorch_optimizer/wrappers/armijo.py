"""Backtracking (Armijo) line search around any optimizer.

References: Armijo, "Minimization of functions having Lipschitz continuous first partial derivatives",
Pacific J. Math. 1966 (https://doi.org/10.2140/pjm.1966.16.1); Nocedal & Wright, "Numerical
Optimization", 2nd ed. 2006, Alg. 3.1. Adaptive initial scale after torchzero 0.4.4 ``Backtracking``.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import (
    check_bool,
    check_choice,
    check_positive,
    check_positive_int,
    check_range,
)
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers.linesearch import Line, LineSearch


@register_wrapper
class Backtracking(LineSearch):
    r"""Backtracking line search along the inner optimizer's displacement :math:`d` (Armijo condition).

    .. math::
        a \leftarrow a_0 \cdot s,\ a_0 \beta,\ a_0 \beta^2, \dots \quad \text{until} \quad
        \phi(a) < f_0 + c\, a \min(\phi'(0), 0), \qquad \phi(a) = f(x_0 - a d),\ \phi'(0) = -g^T d

    A non-finite :math:`\phi(a)` shrinks :math:`a`. If the previous (larger) trial decreased the loss
    and the current one is worse than it, the previous trial is accepted. After ``maxiter`` trials
    without success the step is 0 (the inner state has still advanced once). ``adaptive``: a failure
    multiplies the initial scale :math:`s` by :math:`\beta^{\text{maxiter}}` (reset to 2 if
    :math:`a_0 s` underflows), a success resets :math:`s = 1`. ``c = 0`` skips computing
    :math:`\phi'(0)`. See :class:`~pytorch_optimizer.wrappers.linesearch.LineSearch` for the protocol.

    Args:
        optimizer: the inner optimizer; its step (:math:`a = 1`) defines the search direction.
        init: initial step :math:`a_0` (in units of the inner step).
        beta: shrink factor :math:`\beta \in (0, 1)`.
        c: sufficient-decrease constant :math:`c \in [0, 1)`.
        condition: ``'armijo'`` (above) or ``'decrease'`` (:math:`\phi(a) < f_0`).
        maxiter: maximal number of trials per step.
        adaptive: adapt the initial scale :math:`s` after failures.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        init: float = 1.0,
        beta: float = 0.5,
        c: float = 1e-4,
        condition: str = 'armijo',
        maxiter: int = 10,
        adaptive: bool = True,
    ) -> None:
        super().__init__(
            optimizer,
            dict(
                init=check_positive(self, 'init', init),
                beta=check_range(self, 'beta', beta, 0.0, 1.0, low_inclusive=False),
                c=check_range(self, 'c', c, 0.0, 1.0),
                condition=check_choice(self, 'condition', condition, ('armijo', 'decrease')),
                maxiter=check_positive_int(self, 'maxiter', maxiter),
                adaptive=check_bool(self, 'adaptive', adaptive),
            ),
        )

    def _needs_slope(self) -> bool:
        return self.defaults['c'] > 0 and self.defaults['condition'] == 'armijo'

    def _search(self, line: Line, f0: float, g0: float, state: dict[str, Any]) -> float:
        init, beta, c = self.defaults['init'], self.defaults['beta'], self.defaults['c']
        armijo = self.defaults['condition'] == 'armijo'
        a, previous = init * state['scale'], None
        for _ in range(self.defaults['maxiter']):
            phi = line.value(a)
            if not math.isfinite(phi):
                a *= beta
                continue
            if previous is not None and previous < f0 and phi > previous:
                return self._success(a / beta, state)
            if phi < (f0 + c * a * min(g0, 0.0) if armijo else f0):
                return self._success(a, state)
            previous = phi
            a *= beta
        if self.defaults['adaptive']:
            state['scale'] *= beta ** self.defaults['maxiter']
            if init * state['scale'] < sys.float_info.min:
                state['scale'] = 2.0
        return 0.0

    def _success(self, a: float, state: dict[str, Any]) -> float:
        if self.defaults['adaptive']:
            state['scale'] = 1.0
        return a
