"""REX: the reflected-exponential profile for budgeted training.

Reference: Chen, Wolfe & Kyrillidis, "REX: Revisiting Budgeted Training with an Improved Schedule",
MLSys 2022. https://arxiv.org/abs/2107.04197
"""

from __future__ import annotations

from collections.abc import Sequence

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_positive_int
from pytorch_optimizer.lr_scheduler._base import ClosedFormScheduler, check_optimizer, per_group
from pytorch_optimizer.registry import register_lr_scheduler


@register_lr_scheduler(name='rex')
class REXScheduler(ClosedFormScheduler):
    r"""Decay from ``max_lr`` to ``min_lr`` along the REX profile over ``total_steps``.

    .. math::
        \eta_t = \eta_{min} + (\eta_{max} - \eta_{min})\,
            \frac{1 - p_t}{\tfrac12 + \tfrac12 (1 - p_t)}, \quad p_t = t / T,

    and :math:`\eta_{min}` from ``total_steps`` on. ``t`` is ``last_epoch``: the LR after construction is
    :math:`\eta_0 = \eta_{max}` (the older library set ``min_lr`` until the first ``step()``).

    Args:
        optimizer: the wrapped optimizer.
        total_steps: the budget ``T``.
        max_lr: LR at step 0, one number or one per param group (absolute LRs, not factors).
        min_lr: LR at the end of the budget (same forms).
        last_epoch: index of the last step, ``-1`` to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        total_steps: int,
        max_lr: float | Sequence[float] = 1.0,
        min_lr: float | Sequence[float] = 0.0,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(self, optimizer)
        self.total_steps = check_positive_int(self, 'total_steps', total_steps)
        self.max_lrs = per_group(self, 'max_lr', max_lr, optimizer)
        self.min_lrs = per_group(self, 'min_lr', min_lr, optimizer)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, step: int) -> list[float]:
        if step >= self.total_steps:
            return list(self.min_lrs)
        remaining = 1.0 - step / self.total_steps
        factor = remaining / (0.5 + 0.5 * remaining)
        return [floor + (peak - floor) * factor for peak, floor in zip(self.max_lrs, self.min_lrs)]
