"""Strong Wolfe line search (bracketing + zoom with cubic interpolation) around any optimizer.

Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., Springer 2006, Alg. 3.5 (bracketing),
Alg. 3.6 (zoom), eq. 3.59 (cubic interpolation), eq. 3.60 (initial step)
(https://doi.org/10.1007/978-0-387-40065-5). Options after torchzero 0.4.4 ``StrongWolfe``.
"""

from __future__ import annotations

import math
from typing import Any

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import (
    check_bool,
    check_choice,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_range,
    owner_name,
)
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers.linesearch import Line, LineSearch

Point = tuple[float, float, float]  # (a, phi(a), phi'(a))


def cubic_minimizer(p1: Point, p2: Point, low: float, high: float) -> float | None:
    """Minimizer of the cubic through two points with slopes (N&W eq. 3.59), clipped to ``[low, high]``."""
    (a1, f1, s1), (a2, f2, s2) = p1, p2
    if a1 == a2 or not all(math.isfinite(v) for v in (f1, s1, f2, s2)):
        return None
    d1 = s1 + s2 - 3.0 * (f1 - f2) / (a1 - a2)
    discriminant = d1 * d1 - s1 * s2
    if discriminant < 0:
        return None
    d2 = math.copysign(math.sqrt(discriminant), a2 - a1)
    denominator = s2 - s1 + 2.0 * d2
    if denominator == 0:
        return None
    a = a2 - (a2 - a1) * (s2 + d2 - d1) / denominator
    return min(max(a, low), high) if math.isfinite(a) else None


@register_wrapper
class StrongWolfe(LineSearch):
    r"""Strong Wolfe line search along the inner optimizer's displacement :math:`d`.

    Accepts :math:`a` with

    .. math::
        \phi(a) \le f_0 + c_1 a\, \phi'(0), \qquad |\phi'(a)| \le c_2 |\phi'(0)|, \qquad
        \phi(a) = f(x_0 - a d),\ \phi'(a) = -\nabla f(x_0 - a d)^T d

    by bracketing (trial steps grow by cubic extrapolation, at most ×10) and zooming (cubic
    interpolation safeguarded to the middle 80% of the bracket, or bisection). Every trial costs one
    closure evaluation with backward. If the inner displacement is not a descent direction
    (:math:`\phi'(0) \ge 0`) the step is 0. When ``maxiter``/``maxzoom`` trials or a bracket narrower
    than ``tol_change`` end the search without a Wolfe point, the best trial with
    :math:`\phi(a) < f_0` is taken (0 if none) and ``adaptive`` halves the initial scale (a success
    resets it to 1). See :class:`~pytorch_optimizer.wrappers.linesearch.LineSearch` for the protocol.

    Args:
        optimizer: the inner optimizer; its step (:math:`a = 1`) defines the search direction.
        c1: sufficient-decrease constant, :math:`0 < c_1 < c_2`.
        c2: curvature constant, :math:`c_2 < 1`.
        a_init: initial trial: ``'fixed'`` (``init_value``), ``'previous'`` (the last accepted step),
            ``'first-order'`` (:math:`a_{k-1}\phi_{k-1}'(0)/\phi_k'(0)`), ``'quadratic'``
            (:math:`2(f_k - f_{k-1})/\phi_k'(0)`) or ``'quadratic-clip'`` (``min(init_value, 1.01 x quadratic)``),
            falling back to ``init_value`` when undefined; all times the adaptive scale.
        a_max: largest trial step.
        init_value: initial step in units of the inner step.
        maxiter: maximal bracketing trials per step.
        maxzoom: maximal zoom trials per step.
        tol_change: the zoom stops when the bracket is narrower than this.
        interpolation: ``'cubic'`` or ``'bisection'``.
        adaptive: halve the initial scale after a failure.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        c1: float = 1e-4,
        c2: float = 0.9,
        a_init: str = 'fixed',
        a_max: float = 1e12,
        init_value: float = 1.0,
        maxiter: int = 25,
        maxzoom: int = 10,
        tol_change: float = 1e-9,
        interpolation: str = 'cubic',
        adaptive: bool = True,
    ) -> None:
        c1 = check_range(self, 'c1', c1, 0.0, 1.0, low_inclusive=False)
        c2 = check_range(self, 'c2', c2, 0.0, 1.0, low_inclusive=False)
        if c1 >= c2:
            raise ValueError(f'{owner_name(self)}: c1 must be smaller than c2, got c1={c1}, c2={c2}')
        modes = ('fixed', 'previous', 'first-order', 'quadratic', 'quadratic-clip')
        super().__init__(
            optimizer,
            dict(
                c1=c1,
                c2=c2,
                a_init=check_choice(self, 'a_init', a_init, modes),
                a_max=check_positive(self, 'a_max', a_max),
                init_value=check_positive(self, 'init_value', init_value),
                maxiter=check_positive_int(self, 'maxiter', maxiter),
                maxzoom=check_positive_int(self, 'maxzoom', maxzoom, allow_zero=True),
                tol_change=check_non_negative(self, 'tol_change', tol_change),
                interpolation=check_choice(self, 'interpolation', interpolation, ('cubic', 'bisection')),
                adaptive=check_bool(self, 'adaptive', adaptive),
            ),
        )

    def _initial(self, f0: float, g0: float, state: dict[str, Any]) -> float:
        mode, init = self.defaults['a_init'], self.defaults['init_value']
        a = math.nan
        if mode == 'previous':
            a = state['step_size']
        elif mode == 'first-order' and 'previous_slope' in state:
            a = state['step_size'] * state['previous_slope'] / g0
        elif mode.startswith('quadratic') and 'previous_loss' in state:
            a = 2.0 * (f0 - state['previous_loss']) / g0
            a = min(init, 1.01 * a) if mode == 'quadratic-clip' else a
        a = a if math.isfinite(a) and a > 0 else init
        state['previous_loss'], state['previous_slope'] = f0, g0
        return min(a * state['scale'], self.defaults['a_max'])

    def _search(self, line: Line, f0: float, g0: float, state: dict[str, Any]) -> float:
        a = self._initial(f0, g0, state)
        if g0 >= 0:  # not a descent direction (or a stationary point): no search, the scale is kept
            return 0.0
        c1, c2 = self.defaults['c1'], self.defaults['c2']
        previous, best = (0.0, f0, g0), (f0, 0.0)
        for i in range(self.defaults['maxiter']):
            f, s = line.value_and_slope(a)
            best = min(best, (f, a)) if math.isfinite(f) else best
            current = (a, f, s)
            if not math.isfinite(f) or f > f0 + c1 * a * g0 or (i > 0 and f >= previous[1]):
                return self._zoom(line, f0, g0, previous, current, best, state)
            if abs(s) <= -c2 * g0:
                return self._finish(True, a, state)
            if s >= 0:
                return self._zoom(line, f0, g0, current, previous, best, state)
            if a >= self.defaults['a_max']:
                break
            extrapolated = cubic_minimizer(previous, current, a + 0.01 * (a - previous[0]), 10.0 * a)
            previous, a = current, min(extrapolated if extrapolated is not None else 2.0 * a, self.defaults['a_max'])
        return self._finish(False, best[1], state)

    def _zoom(self, line: Line, f0: float, g0: float, lo: Point, hi: Point, best: tuple, state: dict) -> float:
        """N&W Alg. 3.6: ``lo`` satisfies sufficient decrease with the lowest value; the minimizer lies between."""
        c1, c2 = self.defaults['c1'], self.defaults['c2']
        for _ in range(self.defaults['maxzoom']):
            low, high = sorted((lo[0], hi[0]))
            if high - low < self.defaults['tol_change']:
                break
            margin = 0.1 * (high - low)
            a = None
            if self.defaults['interpolation'] == 'cubic':
                a = cubic_minimizer(lo, hi, low + margin, high - margin)
            a = 0.5 * (low + high) if a is None else a
            f, s = line.value_and_slope(a)
            best = min(best, (f, a)) if math.isfinite(f) else best
            if not math.isfinite(f) or f > f0 + c1 * a * g0 or f >= lo[1]:
                hi = (a, f, s)
                continue
            if abs(s) <= -c2 * g0:
                return self._finish(True, a, state)
            if s * (hi[0] - lo[0]) >= 0:
                hi = lo
            lo = (a, f, s)
        return self._finish(False, best[1], state)

    def _finish(self, success: bool, a: float, state: dict[str, Any]) -> float:
        if self.defaults['adaptive']:
            state['scale'] = 1.0 if success else 0.5 * state['scale']
        return a
