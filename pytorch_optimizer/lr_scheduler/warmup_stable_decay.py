"""Warmup-stable-decay (WSD, "trapezoidal") schedule with cosine, 1-sqrt, linear or 1-square cool-down.

References: Hu et al., "MiniCPM: Unveiling the Potential of Small Language Models with Scalable Training
Strategies", 2024 (WSD); Hägele et al., "Scaling Laws and Compute-Optimal Training Beyond Fixed Training
Durations", NeurIPS 2024 (the 1-sqrt cool-down). https://arxiv.org/abs/2405.18392
"""

from __future__ import annotations

import math

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_choice, check_positive, check_range
from pytorch_optimizer.lr_scheduler._base import ClosedFormScheduler, check_optimizer, check_steps
from pytorch_optimizer.registry import register_lr_scheduler

COOLDOWN_TYPES = ('cosine', '1-sqrt', 'linear', '1-square')


def wsd_lr_ratio(
    step: int,
    num_warmup_steps: int,
    num_stable_steps: int,
    num_decay_steps: int,
    min_lr_ratio: float = 0.0,
    num_cycles: float = 0.5,
    cooldown_type: str = '1-sqrt',
) -> float:
    """The WSD multiplier of the base LR at ``step`` (see :class:`WarmupStableDecayScheduler`)."""
    if step < num_warmup_steps:
        return step / num_warmup_steps
    if step < num_warmup_steps + num_stable_steps:
        return 1.0
    if step >= num_warmup_steps + num_stable_steps + num_decay_steps:
        return min_lr_ratio
    progress = (step - num_warmup_steps - num_stable_steps) / num_decay_steps
    if cooldown_type == 'cosine':
        shape = 0.5 * (1.0 + math.cos(2.0 * math.pi * num_cycles * progress))
    elif cooldown_type == '1-sqrt':
        shape = 1.0 - math.sqrt(progress)
    elif cooldown_type == '1-square':
        shape = 1.0 - progress**2
    else:
        shape = 1.0 - progress
    return min_lr_ratio + (1.0 - min_lr_ratio) * shape


@register_lr_scheduler(name='warmup_stable_decay')
class WarmupStableDecayScheduler(ClosedFormScheduler):
    r"""Linear warm-up, a constant stage at the base LR, then a cool-down to ``min_lr_ratio`` times it.

    With :math:`W, S, D` the three lengths and :math:`p = (t - W - S) / D`:

    .. math::
        \frac{\eta_t}{\eta} = \begin{cases}
            t / W & t < W \\
            1 & W \le t < W + S \\
            r + (1 - r)\, f(p) & W + S \le t < W + S + D \\
            r & \text{after}
        \end{cases}

    :math:`f(p)` is ``1 - sqrt(p)`` (``'1-sqrt'``), ``1 - p`` (``'linear'``), ``1 - p^2``
    (``'1-square'``) or :math:`\tfrac12 (1 + \cos 2\pi c p)` (``'cosine'``, ``c = num_cycles``). The older
    library applied the floor ``r = min_lr_ratio`` only to the cosine cool-down (the others decayed to 0
    and jumped to ``r`` after); here every cool-down ends continuously at ``r``.

    Args:
        optimizer: the wrapped optimizer (its LRs are the peak LRs).
        num_warmup_steps: warm-up length ``W``.
        num_stable_steps: constant stage length ``S``.
        num_decay_steps: cool-down length ``D``.
        min_lr_ratio: final LR as a fraction ``r`` in ``[0, 1]`` of the base LR.
        num_cycles: number of cosine cycles ``c > 0`` in the cool-down (cosine only; 0.5 = half cosine).
        cooldown_type: one of ``'cosine'``, ``'1-sqrt'``, ``'linear'``, ``'1-square'``.
        last_epoch: index of the last step, ``-1`` to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        num_warmup_steps: int,
        num_stable_steps: int,
        num_decay_steps: int,
        min_lr_ratio: float = 0.0,
        num_cycles: float = 0.5,
        cooldown_type: str = '1-sqrt',
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(self, optimizer)
        self.num_warmup_steps = check_steps(self, 'num_warmup_steps', num_warmup_steps)
        self.num_stable_steps = check_steps(self, 'num_stable_steps', num_stable_steps)
        self.num_decay_steps = check_steps(self, 'num_decay_steps', num_decay_steps)
        self.min_lr_ratio = check_range(self, 'min_lr_ratio', min_lr_ratio, 0.0, 1.0, high_inclusive=True)
        self.num_cycles = check_positive(self, 'num_cycles', num_cycles)
        self.cooldown_type = check_choice(self, 'cooldown_type', cooldown_type, COOLDOWN_TYPES)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, step: int) -> list[float]:
        ratio = wsd_lr_ratio(
            step,
            self.num_warmup_steps,
            self.num_stable_steps,
            self.num_decay_steps,
            self.min_lr_ratio,
            self.num_cycles,
            self.cooldown_type,
        )
        return [base_lr * ratio for base_lr in self.base_lrs]


def get_wsd_schedule(
    optimizer: Optimizer,
    num_warmup_steps: int,
    num_stable_steps: int,
    num_decay_steps: int,
    min_lr_ratio: float = 0.0,
    num_cycles: float = 0.5,
    cooldown_type: str = '1-sqrt',
    last_epoch: int = -1,
) -> WarmupStableDecayScheduler:
    """Create a :class:`WarmupStableDecayScheduler` (the older API's factory function)."""
    return WarmupStableDecayScheduler(
        optimizer,
        num_warmup_steps,
        num_stable_steps,
        num_decay_steps,
        min_lr_ratio,
        num_cycles,
        cooldown_type,
        last_epoch,
    )
