"""Classic two-dimensional test functions for optimizer trajectories.

References: Rosenbrock, "An Automatic Method for Finding the Greatest or Least Value of a Function",
The Computer Journal 1960; the other functions as collected by Jamil & Yang, "A literature survey of
benchmark functions for global optimization problems", 2013. https://arxiv.org/abs/1308.4008

Every function takes a tensor of shape ``(2, ...)`` (a point, or a grid stacked on the first axis)
and returns the value(s) with the trailing shape, so the same code draws the contours and drives
the optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor


def rosenbrock(xy: Tensor, a: float = 1.0, b: float = 100.0) -> Tensor:
    r""":math:`(a - x)^2 + b (y - x^2)^2`; a curved valley, minimum 0 at :math:`(a, a^2)`."""
    x, y = xy[0], xy[1]
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rastrigin(xy: Tensor, a: float = 10.0) -> Tensor:
    r""":math:`2a + \sum_i (x_i^2 - a \cos 2\pi x_i)`; a grid of local minima, global minimum 0 at the origin."""
    return (
        2 * a + (xy[0] ** 2 - a * torch.cos(2 * math.pi * xy[0])) + (xy[1] ** 2 - a * torch.cos(2 * math.pi * xy[1]))
    )


def beale(xy: Tensor) -> Tensor:
    r""":math:`(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2`; minimum 0 at :math:`(3, 0.5)`."""
    x, y = xy[0], xy[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def ackley(xy: Tensor) -> Tensor:
    r"""Ackley's function: a nearly flat outer region around a deep hole; minimum 0 at the origin.

    .. math::
        -20 \exp\left(-0.2 \sqrt{\tfrac12 (x^2 + y^2)}\right)
        - \exp\left(\tfrac12 (\cos 2\pi x + \cos 2\pi y)\right) + e + 20
    """
    x, y = xy[0], xy[1]
    radius = torch.sqrt(0.5 * (x**2 + y**2) + 1e-12)  # the offset keeps the gradient finite at the origin
    return (
        -20 * torch.exp(-0.2 * radius)
        - torch.exp(0.5 * (torch.cos(2 * math.pi * x) + torch.cos(2 * math.pi * y)))
        + math.e
        + 20
    )


def himmelblau(xy: Tensor) -> Tensor:
    r""":math:`(x^2 + y - 11)^2 + (x + y^2 - 7)^2`; four minima of value 0."""
    x, y = xy[0], xy[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def booth(xy: Tensor) -> Tensor:
    r""":math:`(x + 2y - 7)^2 + (2x + y - 5)^2`; a convex quadratic, minimum 0 at :math:`(1, 3)`."""
    x, y = xy[0], xy[1]
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def goldstein_price(xy: Tensor) -> Tensor:
    """Goldstein-Price function: several local minima over a wide range of values; minimum 3 at ``(0, -1)``."""
    x, y = xy[0], xy[1]
    first = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    second = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return first * second


@dataclass(frozen=True)
class TestFunction:
    """A function with its plotting window, the usual starting point and its global minima."""

    __test__ = False  # not a pytest test class

    name: str
    fn: Callable[[Tensor], Tensor]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    min_value: float = 0.0
    log_levels: bool = True  # contours in log scale (functions spanning orders of magnitude)

    def __call__(self, xy: Tensor) -> Tensor:
        return self.fn(xy)

    def inside(self, xy: Tensor, margin: float = 0.5) -> bool:
        """Whether the point lies in the plotting window widened by ``margin`` of its size on each side."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        dx, dy = margin * (x1 - x0), margin * (y1 - y0)
        x, y = float(xy[0]), float(xy[1])
        return x0 - dx <= x <= x1 + dx and y0 - dy <= y <= y1 + dy


HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))

FUNCTIONS: dict[str, TestFunction] = {
    f.name: f
    for f in (
        TestFunction('rosenbrock', rosenbrock, (-2.0, 2.0), (-1.0, 3.0), (-2.0, 2.0), ((1.0, 1.0),)),
        TestFunction('rastrigin', rastrigin, (-4.5, 4.5), (-4.5, 4.5), (-2.0, 3.5), ((0.0, 0.0),), log_levels=False),
        TestFunction('beale', beale, (-4.5, 4.5), (-4.5, 4.5), (1.0, 1.5), ((3.0, 0.5),)),
        TestFunction('ackley', ackley, (-4.0, 4.0), (-4.0, 4.0), (-2.5, 3.0), ((0.0, 0.0),), log_levels=False),
        TestFunction('himmelblau', himmelblau, (-5.0, 5.0), (-5.0, 5.0), (0.0, 0.0), HIMMELBLAU_MINIMA),
        TestFunction('booth', booth, (-10.0, 10.0), (-10.0, 10.0), (-8.0, -8.0), ((1.0, 3.0),)),
        TestFunction('goldstein_price', goldstein_price, (-2.0, 2.0), (-3.0, 1.0), (1.5, 0.5), ((0.0, -1.0),), 3.0),
    )
}


def get_function(name: str) -> TestFunction:
    """The test function registered as ``name`` (``'rosenbrock'``, ``'rastrigin'``, ...)."""
    key = name.lower().replace('-', '_')
    if key not in FUNCTIONS:
        raise ValueError(f'unknown test function {name!r}; choose from {sorted(FUNCTIONS)}')
    return FUNCTIONS[key]
