"""Cosine annealing with linear warm-up and warm restarts (cycles that grow and whose peak decays).

Reference: Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017,
with a linear warm-up at the start of every cycle. https://arxiv.org/abs/1608.03983
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_positive, check_positive_int, owner_name
from pytorch_optimizer.lr_scheduler._base import ClosedFormScheduler, check_optimizer, check_steps, per_group
from pytorch_optimizer.registry import register_lr_scheduler


@register_lr_scheduler(name='cosine_annealing_with_warmup')
class CosineAnnealingWarmupRestarts(ClosedFormScheduler):
    r"""Cycles of a linear warm-up from ``min_lr`` to the cycle's peak, then a half cosine back to ``min_lr``.

    Cycle ``c`` has length :math:`L_0 = ` ``first_cycle_steps``,
    :math:`L_{c+1} = W + \lfloor (L_c - W)\, m \rfloor` and peak :math:`\eta^{(c)} = \eta_{max} \gamma^c`;
    at step ``s`` of a cycle

    .. math::
        \eta = \begin{cases}
            \eta_{min} + (\eta^{(c)} - \eta_{min})\, s / W & s < W \\
            \eta_{min} + \tfrac12 (\eta^{(c)} - \eta_{min})
                \left(1 + \cos \frac{\pi (s - W)}{L_c - W}\right) & W \le s < L_c
        \end{cases}

    The LR is a closed form of ``last_epoch`` (the older library tracked the cycle incrementally and
    set ``min_lr`` at construction even without warm-up). With ``cycle_mult < 1`` the post-warm-up part
    of a cycle never shrinks below one step.

    Args:
        optimizer: the wrapped optimizer.
        first_cycle_steps: length of the first cycle (warm-up included).
        cycle_mult: factor ``m > 0`` on the post-warm-up length of each new cycle.
        max_lr: peak LR of the first cycle, one number or one per param group (absolute LRs).
        min_lr: LR at the start of a warm-up and the end of a cycle (same forms).
        warmup_steps: warm-up length ``W < first_cycle_steps`` of every cycle.
        gamma: factor ``> 0`` on the peak after each cycle.
        last_epoch: index of the last step, ``-1`` to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        first_cycle_steps: int,
        cycle_mult: float = 1.0,
        max_lr: float | Sequence[float] = 1e-4,
        min_lr: float | Sequence[float] = 1e-6,
        warmup_steps: int = 0,
        gamma: float = 0.9,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(self, optimizer)
        self.first_cycle_steps = check_positive_int(self, 'first_cycle_steps', first_cycle_steps)
        self.warmup_steps = check_steps(self, 'warmup_steps', warmup_steps)
        if warmup_steps >= first_cycle_steps:
            raise ValueError(
                f'{owner_name(self)}: warmup_steps must be < first_cycle_steps ({first_cycle_steps}), '
                f'got {warmup_steps}'
            )
        self.cycle_mult = check_positive(self, 'cycle_mult', cycle_mult)
        self.gamma = check_positive(self, 'gamma', gamma)
        self.max_lrs = per_group(self, 'max_lr', max_lr, optimizer)
        self.min_lrs = per_group(self, 'min_lr', min_lr, optimizer)
        super().__init__(optimizer, last_epoch)

    def _next_length(self, length: int) -> int:
        return self.warmup_steps + max(1, int((length - self.warmup_steps) * self.cycle_mult))

    def cycle_position(self, step: int) -> tuple[int, int, int]:
        """``(cycle, step in cycle, cycle length)`` of step ``step``."""
        cycle, length = 0, self.first_cycle_steps
        while step >= length:
            following = self._next_length(length)
            if following == length:  # constant length from here on: jump
                cycle += step // length
                step %= length
                break
            step -= length
            cycle += 1
            length = following
        return cycle, step, length

    def _lrs_at(self, step: int) -> list[float]:
        cycle, s, length = self.cycle_position(max(step, 0))
        warmup = self.warmup_steps
        lrs = []
        for peak, floor in zip(self.max_lrs, self.min_lrs):
            peak = peak * self.gamma**cycle
            if s < warmup:
                lrs.append(floor + (peak - floor) * s / warmup)
            else:
                lrs.append(floor + (peak - floor) * (1.0 + math.cos(math.pi * (s - warmup) / (length - warmup))) / 2.0)
        return lrs
