"""Randomized finite differences (SPSA, RDSA, Gaussian smoothing, MeZO) as a wrapper around any optimizer.

References: Spall, "Multivariate Stochastic Approximation Using a Simultaneous Perturbation Gradient
Approximation", IEEE TAC 1992 (https://doi.org/10.1109/9.119632); Nesterov & Spokoiny, "Random
Gradient-Free Minimization of Convex Functions", FoCM 2017 (https://doi.org/10.1007/s10208-015-9296-2);
Malladi et al., "Fine-Tuning Language Models with Just Forward Passes" (MeZO), NeurIPS 2023
(https://arxiv.org/abs/2305.17333). Wrapper design after torchzero 0.4.4 ``tz.m.RandomizedFDM``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base.validation import (
    check_bool,
    check_choice,
    check_positive,
    check_positive_int,
    owner_name,
)
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers._closure import Closure, real_view
from pytorch_optimizer.wrappers.fdm import FORMULAS, FiniteDifferenceWrapper

DISTRIBUTIONS = ('rademacher', 'gaussian', 'normal', 'uniform', 'sphere')
SQRT3 = math.sqrt(3.0)


@register_wrapper(
    variants={
        'spsa': {'formula': 'central', 'distribution': 'rademacher'},
        'rdsa': {'formula': 'central', 'distribution': 'gaussian'},
        'gaussian_smoothing': {'h': 1e-2, 'n_samples': 100, 'formula': 'forward', 'distribution': 'gaussian'},
        'mezo': {'formula': 'central', 'distribution': 'gaussian', 'regenerate': True},
    }
)
class RandomizedFDM(FiniteDifferenceWrapper):
    r"""Gradient estimate from loss values along random directions, then one step of the inner optimizer.

    .. math::
        \delta_i = \frac{1}{D h} \sum_k c_k\, f(x + k h z_i), \qquad
        \hat g = \frac{1}{n} \sum_{i=1}^{n} z_i\, \delta_i

    with :math:`z_i` of unit scale per coordinate (Rademacher :math:`\pm 1`, Gaussian :math:`N(0, 1)`,
    uniform :math:`U(-\sqrt3, \sqrt3)`, or uniform on the sphere of radius :math:`\sqrt{N}`, :math:`N` the
    number of coordinates), so :math:`E[z z^T] = I` and central differences give exactly
    :math:`z (z^T g)` on a quadratic. :math:`f(x)` is evaluated once and shared by all samples when the
    stencil uses it (forward: :math:`1 + n` evaluations, central: :math:`2n`). Registered presets:
    ``spsa`` (central, Rademacher; Spall's :math:`1/\Delta_i = \Delta_i`), ``rdsa`` (central, Gaussian),
    ``gaussian_smoothing`` (Nesterov-Spokoiny: forward, Gaussian, :math:`h = \mu = 10^{-2}`, 100 samples;
    unbiased for :math:`\nabla f_\mu`, :math:`f_\mu(x) = E f(x + \mu u)`), ``mezo`` (central, Gaussian,
    ``regenerate=True``).

    Directions are drawn from a seeded generator whose state lives in ``state['fdm']['rng_state']`` (a
    uint8 tensor), so runs are reproducible and resume bit-identically; the directions of one step are
    the same for every closure call of that step (a line search as the inner optimizer sees one
    estimate). ``regenerate=True`` is MeZO's memory-free mode: no direction and no copy of the weights
    is kept; each perturbation and the accumulation regenerate :math:`z_i` from its seed, and the
    weights are moved back by subtraction (so they may differ from the original by rounding, as in
    MeZO). Otherwise one copy of the weights and of :math:`z_i` is kept during the step and the weights
    are restored exactly. See :class:`FiniteDifferenceWrapper` for the closure protocol.

    Args:
        optimizer: the inner optimizer, stepped once per ``step`` with the estimate in ``p.grad``.
        h: perturbation scale :math:`h`.
        n_samples: number of random directions :math:`n` per step.
        formula: stencil (see :data:`FORMULAS`): ``'central'``, ``'forward'``, ``'backward'``, ...
        distribution: ``'rademacher'``, ``'gaussian'`` (alias ``'normal'``), ``'uniform'`` or ``'sphere'``.
        seed: seed of the direction generator (``None``: drawn from torch's global generator).
        regenerate: MeZO's memory-free perturbation (see above).
        return_approx_loss: for stencils without :math:`f(x)`, return the mean of the evaluated values
            instead of one extra evaluation.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        h: float = 1e-3,
        n_samples: int = 1,
        formula: str = 'central',
        distribution: str = 'rademacher',
        seed: int | None = None,
        *,
        regenerate: bool = False,
        return_approx_loss: bool = False,
    ) -> None:
        if seed is not None and (check_positive_int(self, 'seed', seed, allow_zero=True) >= 2**63):
            raise ValueError(f'{owner_name(self)}: seed must be < 2**63, got {seed}')
        super().__init__(
            optimizer,
            dict(
                h=check_positive(self, 'h', h),
                n_samples=check_positive_int(self, 'n_samples', n_samples),
                formula=check_choice(self, 'formula', formula, tuple(FORMULAS)),
                distribution=check_choice(self, 'distribution', distribution, DISTRIBUTIONS),
                seed=seed,
                regenerate=check_bool(self, 'regenerate', regenerate),
                return_approx_loss=check_bool(self, 'return_approx_loss', return_approx_loss),
            ),
        )
        if seed is None:
            seed = int(torch.randint(0, 2**62, ()).item())
        self.state['fdm']['rng_state'] = torch.Generator().manual_seed(seed).get_state()

    def _begin_step(self, state: dict[str, Any]) -> list[int]:
        """Draw one seed per sample from the master generator and store its advanced state."""
        generator = torch.Generator()
        generator.set_state(state['rng_state'])
        seeds = torch.randint(0, 2**62, (self.defaults['n_samples'],), generator=generator).tolist()
        state['rng_state'] = generator.get_state()
        return seeds

    def _directions(self, params: list[Tensor], seed: int) -> Iterator[Tensor]:
        """Yield :math:`z` for each tensor, regenerated identically from ``seed`` on every call."""
        distribution = self.defaults['distribution']
        generators: dict[torch.device, torch.Generator] = {}

        def draw(p: Tensor) -> Tensor:
            if p.device not in generators:
                generators[p.device] = torch.Generator(device=p.device).manual_seed(seed)
            options = dict(generator=generators[p.device], device=p.device, dtype=p.dtype)
            if distribution == 'rademacher':
                return torch.randint(0, 2, p.shape, **options).mul_(2).sub_(1)
            if distribution == 'uniform':
                return torch.rand(p.shape, **options).mul_(2 * SQRT3).sub_(SQRT3)
            return torch.randn(p.shape, **options)

        if distribution != 'sphere':
            yield from (draw(p) for p in params)
            return
        squared_norm = sum(draw(p).square().sum() for p in params)  # first pass: the Gaussian's norm
        generators.clear()
        scale = math.sqrt(sum(p.numel() for p in params)) / torch.as_tensor(squared_norm).sqrt()
        yield from (draw(p).mul_(scale) for p in params)

    def _shift(self, params: list[Tensor], seed: int, alpha: float) -> None:
        for p, z in zip(params, self._directions(params, seed)):
            p.add_(z, alpha=alpha)

    def _estimate(self, value: Closure, params: list[Tensor], seeds: list[int]) -> Tensor:
        coefficients, denominator = FORMULAS[self.defaults['formula']]
        h, regenerate = self.defaults['h'], self.defaults['regenerate']
        offsets = sorted(k for k in coefficients if k != 0)
        f0 = value() if 0 in coefficients else None
        grads = self._zeroed_grads(params)
        params = [real_view(p) for p in params]
        origin = None if regenerate else [p.clone() for p in params]
        total, count = 0.0, 0
        for seed in seeds:
            z = None if regenerate else list(self._directions(params, seed))
            difference, offset = (coefficients[0] * f0 if f0 is not None else 0.0), 0
            for k in offsets:
                if regenerate:
                    self._shift(params, seed, (k - offset) * h)
                    offset = k
                else:
                    torch._foreach_copy_(params, origin)
                    torch._foreach_add_(params, z, alpha=k * h)
                f = value()
                total, count = total + f, count + 1
                difference = difference + coefficients[k] * f
            scale = difference / (denominator * h * len(seeds))
            if regenerate:
                self._shift(params, seed, -offset * h)
                for grad, direction in zip(grads, self._directions(params, seed)):
                    grad.add_(direction.mul_(scale))
            else:
                torch._foreach_copy_(params, origin)
                torch._foreach_add_(grads, torch._foreach_mul(z, scale))
        return self._loss_at_x(value, f0, total, count)
