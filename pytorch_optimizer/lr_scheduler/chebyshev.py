"""Chebyshev step-size schedule in fractal order.

Reference: Agarwal, Goel & Zhang, "Acceleration via Fractal Learning Rate Schedules", ICML 2021.
https://arxiv.org/abs/2103.01338
"""

from __future__ import annotations

import math

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_bool, check_positive, check_positive_int, owner_name
from pytorch_optimizer.lr_scheduler._base import ClosedFormScheduler, check_optimizer
from pytorch_optimizer.registry import register_lr_scheduler


def get_chebyshev_steps(num_epochs: int, small_m: float = 0.05, big_m: float = 1.0) -> list[float]:
    r"""Reciprocal Chebyshev nodes of ``[m, M]``.

    .. math::
        1 / \left(\tfrac{M+m}{2} - \tfrac{M-m}{2} \cos\tfrac{(t - 1/2)\pi}{T}\right), \quad t = 1, \dots, T
    """
    center, radius = (big_m + small_m) / 2.0, (big_m - small_m) / 2.0
    return [1.0 / (center - radius * math.cos((t + 0.5) * math.pi / num_epochs)) for t in range(num_epochs)]


def get_chebyshev_permutation(num_epochs: int) -> list[int]:
    r"""Fractal permutation, 0-based; ``num_epochs`` must be a power of two.

    .. math::
        \sigma_1 = [1], \quad \sigma_{2T} = \mathrm{interlace}(\sigma_T, 2T + 1 - \sigma_T)
    """
    perm = [0]
    while len(perm) < num_epochs:
        perm = [x for i in perm for x in (i, 2 * len(perm) - 1 - i)]
    return perm


def get_chebyshev_perm_steps(num_epochs: int, small_m: float = 0.05, big_m: float = 1.0) -> list[float]:
    """Chebyshev step-size multipliers in fractal order; ``num_epochs`` must be a power of two."""
    steps = get_chebyshev_steps(num_epochs, small_m, big_m)
    return [steps[i] for i in get_chebyshev_permutation(num_epochs)]


@register_lr_scheduler(name='chebyshev')
class ChebyshevScheduler(ClosedFormScheduler):
    r"""Multiply the base LR by the reciprocal Chebyshev nodes of ``[m, M]``, permuted in fractal order.

    .. math::
        \eta_t = \eta\, \gamma_{\sigma_T(t \bmod T)}^{-1}, \quad
        \gamma_j = \tfrac{M+m}{2} - \tfrac{M-m}{2} \cos\tfrac{(j - 1/2)\pi}{T}

    with :math:`T` = ``num_epochs`` rounded up to a power of two (the fractal permutation is defined
    for powers of two); after :math:`T` steps the schedule repeats. The multipliers range over
    :math:`[1/M, 1/m]` (1 to 20 by default), so the base LR plays the role of :math:`1/L`. The older
    library took the nodes of ``num_epochs`` but the permutation of ``num_epochs - 2`` and started
    at index ``epoch - 2``; this follows the paper.

    Args:
        optimizer: the wrapped optimizer.
        num_epochs: schedule length (rounded up to a power of two).
        is_warmup: hold the base LR (multiplier 1), e.g. during a warm-up phase.
        last_epoch: index of the last step, ``-1`` to start.
        small_m: lower end ``m > 0`` of the spectrum the schedule is built for.
        big_m: upper end ``M >= m``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        num_epochs: int,
        is_warmup: bool = False,
        last_epoch: int = -1,
        *,
        small_m: float = 0.05,
        big_m: float = 1.0,
    ) -> None:
        check_optimizer(self, optimizer)
        self.num_epochs = check_positive_int(self, 'num_epochs', num_epochs)
        self.is_warmup = check_bool(self, 'is_warmup', is_warmup)
        self.small_m = check_positive(self, 'small_m', small_m)
        self.big_m = check_positive(self, 'big_m', big_m)
        if big_m < small_m:
            raise ValueError(f'{owner_name(self)}: big_m must be >= small_m ({small_m}), got {big_m}')
        self.period = 1 << (num_epochs - 1).bit_length()
        self.multipliers = get_chebyshev_perm_steps(self.period, self.small_m, self.big_m)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, step: int) -> list[float]:
        factor = 1.0 if self.is_warmup else self.multipliers[step % self.period]
        return [base_lr * factor for base_lr in self.base_lrs]


def get_chebyshev_schedule(
    optimizer: Optimizer, num_epochs: int, is_warmup: bool = False, last_epoch: int = -1
) -> ChebyshevScheduler:
    """Create a :class:`ChebyshevScheduler` (the older API's factory function)."""
    return ChebyshevScheduler(optimizer, num_epochs, is_warmup, last_epoch)
