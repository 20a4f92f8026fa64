"""Un-tuned exponential warm-up for Adam-type optimizers (time constant 1 / (1 - beta2) steps).

Reference: Ma & Yarats, "On the Adequacy of Untuned Warmup for Adaptive Optimization", AAAI 2021.
https://arxiv.org/abs/1910.04209
"""

from __future__ import annotations

import math

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from pytorch_optimizer.lr_scheduler._base import DampeningWarmup
from pytorch_optimizer.lr_scheduler.untuned_linear_warmup import warmup_periods
from pytorch_optimizer.registry import register_lr_scheduler


@register_lr_scheduler(name='untuned_exponential_warmup')
class UntunedExponentialWarmup(DampeningWarmup):
    r"""Multiply the LR by :math:`\omega_t = 1 - \exp(-t / \tau)` with :math:`\tau = 1 / (1 - \beta_2)`.

    .. math::
        \eta_t = \omega_t\, \eta^{base}_t, \qquad \omega_t = 1 - \exp\!\left(-(1 - \beta_2)\, t\right)

    ``t = last_epoch + 1`` is the optimizer step the LR is used for. :math:`\eta^{base}_t` is the group's
    initial LR or, with ``scheduler``, the LR of that scheduler (the warm-up wraps any other schedule;
    step only the warm-up). :math:`\beta_2` comes from each param group's ``betas``. As a later stage of
    ``SequentialLR`` use it without ``scheduler``.

    Args:
        optimizer: the wrapped optimizer.
        scheduler: an optional LR scheduler of the same optimizer to warm up.
        beta2: override the groups' :math:`\beta_2`.
        warmup_period: override the time constant :math:`\tau`.
        last_epoch: index of the last step, ``-1`` to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        scheduler: LRScheduler | None = None,
        *,
        beta2: float | None = None,
        warmup_period: float | None = None,
        last_epoch: int = -1,
    ) -> None:
        self.warmup_periods = warmup_periods(self, optimizer, beta2, warmup_period, 1.0)
        super().__init__(optimizer, scheduler, last_epoch)

    def _omega(self, step: int, index: int) -> float:
        return 1.0 - math.exp(-step / self.warmup_periods[index])
