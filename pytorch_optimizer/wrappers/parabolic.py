"""Parabolic (three-point) line search around any optimizer.

References: successive parabolic interpolation, Brent, "Algorithms for Minimization without
Derivatives", Prentice-Hall 1973, ch. 5; the three-point fit at :math:`0, a, 2a` is the learning-rate
parabola of GeN (Bu & Xu, "Automatic gradient descent with generalized Newton's method", ICLR 2025,
https://arxiv.org/abs/2407.02772).
"""

from __future__ import annotations

import math
from typing import Any

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_bool, check_positive
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers.linesearch import Line, LineSearch


@register_wrapper
class ParabolicSearch(LineSearch):
    r"""Fit a parabola to :math:`\phi` at :math:`0, a, 2a` and step to its vertex (value-only: no gradients).

    .. math::
        a^* = a \frac{3\phi(0) - 4\phi(a) + \phi(2a)}{2(\phi(0) - 2\phi(a) + \phi(2a))}, \qquad
        \phi(a) = f(x_0 - a d)

    with :math:`d` the inner optimizer's displacement. When the curvature
    :math:`\phi(0) - 2\phi(a) + \phi(2a)` is positive the vertex is evaluated too (``verify``) and the
    lowest of the evaluated points is taken (:math:`a^* = 0` if none decreases the loss); otherwise the
    lower of :math:`a, 2a`. Exact on quadratics: with SGD as the inner optimizer one step is the exact
    line minimizer (the Cauchy step). ``adaptive``: the next trial :math:`a` is the last accepted step
    (half the previous trial after a failure), so the three points follow the scale of the problem.
    Costs 2 value-only closure calls (3 with ``verify``) after the first closure. See
    :class:`~pytorch_optimizer.wrappers.linesearch.LineSearch` for the protocol.

    Args:
        optimizer: the inner optimizer; its step (:math:`a = 1`) defines the search direction.
        init: the first trial :math:`a` (in units of the inner step).
        a_max: largest accepted step.
        verify: evaluate the vertex and keep it only if it is the best point (otherwise trust the fit).
        adaptive: start the next search from the last accepted step.
    """

    def __init__(
        self, optimizer: Optimizer, init: float = 1.0, a_max: float = 1e12, verify: bool = True, adaptive: bool = True
    ) -> None:
        super().__init__(
            optimizer,
            dict(
                init=check_positive(self, 'init', init),
                a_max=check_positive(self, 'a_max', a_max),
                verify=check_bool(self, 'verify', verify),
                adaptive=check_bool(self, 'adaptive', adaptive),
            ),
        )

    def _needs_slope(self) -> bool:
        return False

    def _search(self, line: Line, f0: float, g0: float, state: dict[str, Any]) -> float:
        a = min(self.defaults['init'] * state['scale'], 0.5 * self.defaults['a_max'])
        f1, f2 = line.value(a), line.value(2.0 * a)
        candidates = [(f0, 0.0)] + [(f, t) for f, t in ((f1, a), (f2, 2.0 * a)) if math.isfinite(f)]
        curvature = f0 - 2.0 * f1 + f2
        if math.isfinite(curvature) and curvature > 0:
            vertex = min(a * (3.0 * f0 - 4.0 * f1 + f2) / (2.0 * curvature), self.defaults['a_max'])
            if vertex > 0 and not self.defaults['verify']:
                return self._finish(vertex, a, state)
            if vertex > 0:
                f = line.value(vertex)
                candidates += [(f, vertex)] if math.isfinite(f) else []
        return self._finish(min(candidates)[1], a, state)

    def _finish(self, accepted: float, trial: float, state: dict[str, Any]) -> float:
        if self.defaults['adaptive']:
            state['scale'] = (accepted if accepted > 0 else 0.5 * trial) / self.defaults['init']
        return accepted
