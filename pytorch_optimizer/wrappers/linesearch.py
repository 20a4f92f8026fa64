"""Line searches as wrappers around any optimizer: the shared machinery (see armijo.py, wolfe.py, parabolic.py).

Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., Springer 2006, ch. 3
(https://doi.org/10.1007/978-0-387-40065-5). Design after torchzero 0.4.4 ``tz.m.*`` line searches.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.validation import owner_name
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.wrappers._closure import (
    Closure,
    accepts_backward,
    as_float,
    loss_and_grad,
    loss_value,
    real_view,
)


class Line:
    r"""The search line :math:`x(a) = x_0 - a d` of one step, with counted evaluations of :math:`\phi`.

    :math:`\phi(a) = f(x_0 - a d)`, :math:`\phi'(a) = -\nabla f(x_0 - a d)^T d`.
    """

    def __init__(self, closure: Closure, tensors: list[Tensor], origin: list[Tensor], direction: list[Tensor]) -> None:
        self.closure, self.tensors, self.origin, self.direction = closure, tensors, origin, direction
        self.params = [real_view(p) for p in tensors]
        self.value_only, self.evaluations = accepts_backward(closure), 0

    @torch.no_grad()
    def move(self, a: float) -> None:
        """Put the parameters at :math:`x_0 - a d`."""
        torch._foreach_copy_(self.params, self.origin)
        if a != 0.0:
            torch._foreach_add_(self.params, self.direction, alpha=-a)

    def value(self, a: float) -> float:
        r""":math:`\phi(a)` (one closure evaluation without backward)."""
        self.move(a)
        self.evaluations += 1
        return as_float(loss_value(self.closure, self.value_only))

    def value_and_slope(self, a: float) -> tuple[float, float]:
        r""":math:`(\phi(a), \phi'(a))` (one closure evaluation with backward)."""
        self.move(a)
        self.evaluations += 1
        loss = as_float(loss_and_grad(self.closure))
        return loss, -self.dot([p.grad for p in self.tensors])

    def dot(self, grads: list[Tensor | None]) -> float:
        r""":math:`\sum g^T d` over all tensors (``None`` gradients count as zero)."""
        return math.fsum(float(torch.sum(real_view(g) * d)) for g, d in zip(grads, self.direction) if g is not None)


class LineSearch(BaseWrapper):
    r"""Search along the inner optimizer's own displacement; the inner state advances exactly once per step.

    ``step(closure)``: evaluates ``closure()`` (loss :math:`f_0` and gradient :math:`g` at :math:`x_0`),
    takes one inner step :math:`x_1`, sets :math:`d = x_0 - x_1` and searches
    :math:`\phi(a) = f(x_0 - a d)` (:math:`a = 1` is the inner step; :math:`\phi'(0) = -g^T d`), then
    leaves the parameters at :math:`x_0 - a^* d` and returns :math:`f_0`. ``a* = 0`` (no step) when the
    search fails; the inner state has still advanced once. The search minimizes the closure's value
    (an inner ``maximize=True`` is not supported) and synchronizes with the host (it branches on loss
    values). ``p.grad`` holds the gradient of the last closure evaluation with backward. Value-only
    trials call ``closure(False)``; a closure without the ``backward`` argument also works (it then
    back-propagates at every trial). ``state['line_search']`` holds ``step``, ``num_evaluations``
    (cumulative closure calls, the first included), ``step_size`` (the last :math:`a^*`) and ``scale``.
    """

    requires_closure = True

    def _needs_slope(self) -> bool:
        """Whether the search uses :math:`\\phi'(0)` (computing it costs one pass over the weights)."""
        return True

    def _search(self, line: Line, f0: float, g0: float, state: dict[str, Any]) -> float:
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """Inner step once, line search along its displacement (see the class docstring)."""
        if closure is None:
            raise NoClosureError(owner_name(self), ': it evaluates the loss along the search line')
        state = {'step': 0, 'num_evaluations': 0, 'step_size': 0.0, 'scale': 1.0, **self.state['line_search']}
        loss = loss_and_grad(closure)
        f0 = as_float(loss)
        tensors = [p for group in self.param_groups for p in group['params'] if p.grad is not None]
        params = [real_view(p) for p in tensors]
        origin = [p.clone() for p in params]
        closure_inner = getattr(self.optimizer, 'requires_closure', False) or isinstance(
            self.optimizer, torch.optim.LBFGS
        )
        grads = [real_view(p.grad).clone() for p in tensors] if closure_inner and self._needs_slope() else None
        self.optimizer.step(closure) if closure_inner else self.optimizer.step()  # the inner state advances once
        direction = torch._foreach_sub(origin, params) if params else []
        line = Line(closure, tensors, origin, direction)
        g0 = -line.dot(grads if grads is not None else [p.grad for p in tensors]) if self._needs_slope() else 0.0
        a = self._search(line, f0, g0, state) if params and math.isfinite(f0) and math.isfinite(g0) else 0.0
        line.move(a)
        state['step'] += 1
        state['num_evaluations'] += 1 + line.evaluations
        state['step_size'] = a
        self.state['line_search'] = state
        return loss
