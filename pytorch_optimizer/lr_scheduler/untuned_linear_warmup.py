"""Un-tuned linear warm-up for Adam-type optimizers (rule of thumb: 2 / (1 - beta2) steps).

Reference: Ma & Yarats, "On the Adequacy of Untuned Warmup for Adaptive Optimization", AAAI 2021.
https://arxiv.org/abs/1910.04209
"""

from __future__ import annotations

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from pytorch_optimizer.base.validation import check_positive, check_range, owner_name
from pytorch_optimizer.lr_scheduler._base import DampeningWarmup, check_optimizer
from pytorch_optimizer.registry import register_lr_scheduler


def warmup_periods(owner: object, optimizer: Optimizer, beta2: float | None, period: float | None, scale: float):
    """One warm-up period per param group: ``period``, else ``scale / (1 - beta2)`` (beta2 from the groups)."""
    check_optimizer(owner, optimizer)
    if period is not None:
        return [check_positive(owner, 'warmup_period', period)] * len(optimizer.param_groups)
    if beta2 is not None:
        return [scale / (1.0 - check_range(owner, 'beta2', beta2, 0.0, 1.0))] * len(optimizer.param_groups)
    periods = []
    for i, group in enumerate(optimizer.param_groups):
        betas = group.get('betas')
        if betas is None or len(betas) < 2:
            raise ValueError(
                f"{owner_name(owner)}: param_groups[{i}] has no 'betas' (not an Adam-type optimizer); "
                'pass beta2= or warmup_period='
            )
        periods.append(scale / (1.0 - check_range(owner, f'param_groups[{i}] betas[1]', betas[1], 0.0, 1.0)))
    return periods


@register_lr_scheduler(name='untuned_linear_warmup')
class UntunedLinearWarmup(DampeningWarmup):
    r"""Multiply the LR by :math:`\omega_t = \min(1, t / \tau)` with :math:`\tau = 2 / (1 - \beta_2)`.

    .. math::
        \eta_t = \omega_t\, \eta^{base}_t, \qquad \omega_t = \min\!\left(1, \tfrac{1 - \beta_2}{2}\, t\right)

    ``t = last_epoch + 1`` is the optimizer step the LR is used for (the first step uses
    :math:`\omega_1`). :math:`\eta^{base}_t` is the group's initial LR or, with ``scheduler``, the LR of
    that scheduler: the warm-up wraps any other schedule (step only the warm-up; it steps the wrapped
    scheduler on its own, undampened LRs). :math:`\beta_2` comes from each param group's ``betas``.
    As a later stage of ``SequentialLR`` use it without ``scheduler``.

    Args:
        optimizer: the wrapped optimizer.
        scheduler: an optional LR scheduler of the same optimizer to warm up.
        beta2: override the groups' :math:`\beta_2`.
        warmup_period: override the period :math:`\tau` (then the rule is a plain linear warm-up).
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
        self.warmup_periods = warmup_periods(self, optimizer, beta2, warmup_period, 2.0)
        super().__init__(optimizer, scheduler, last_epoch)

    def _omega(self, step: int, index: int) -> float:
        return min(1.0, step / self.warmup_periods[index])
