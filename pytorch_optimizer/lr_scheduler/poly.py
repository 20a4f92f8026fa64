"""Polynomial ("poly") decay with linear warm-up.

Reference: Liu, Rabinovich & Berg, "ParseNet: Looking Wider to See Better", 2015 (the poly policy
``(1 - t/T)^power``, popularised by DeepLab). https://arxiv.org/abs/1506.04579
"""

from __future__ import annotations

from collections.abc import Sequence

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_positive
from pytorch_optimizer.lr_scheduler._base import WarmupDecayScheduler
from pytorch_optimizer.registry import register_lr_scheduler


@register_lr_scheduler(name='poly')
class PolyScheduler(WarmupDecayScheduler):
    r"""Linear warm-up to ``max_lr``, then a polynomial decay to ``min_lr`` at ``t_max``.

    .. math::
        \eta_t = \begin{cases}
            \eta_{init} + (\eta_{max} - \eta_{init})\, t / W & t < W \\
            \eta_{min} + (\eta_{max} - \eta_{min})\,(1 - p_t)^{k} & W \le t < T,
                \quad p_t = (t - W) / (T - W) \\
            \eta_{min} & t \ge T
        \end{cases}

    The older library computed ``min_lr + (max_lr - min_lr) * (t - W) ** poly_order``, which grows
    without bound; this follows the poly policy of the reference. ``poly_order`` stays the second
    positional argument, as in the older API (the others were keyword arguments there too).

    Args:
        optimizer: the wrapped optimizer.
        poly_order: the power ``k > 0``.
        t_max: total number of steps ``T``.
        max_lr: peak LR, one number or a list with one per param group (absolute LRs, not factors).
        min_lr: final LR (same forms).
        init_lr: LR at step 0 when ``warmup_steps > 0`` (same forms).
        warmup_steps: length ``W`` of the linear warm-up, ``0 <= W <= T``.
        last_epoch: index of the last step, ``-1`` to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        poly_order: float = 0.5,
        *,
        t_max: int,
        max_lr: float | Sequence[float],
        min_lr: float | Sequence[float] = 0.0,
        init_lr: float | Sequence[float] = 0.0,
        warmup_steps: int = 0,
        last_epoch: int = -1,
    ) -> None:
        self.poly_order = check_positive(self, 'poly_order', poly_order)
        super().__init__(optimizer, t_max, max_lr, min_lr, init_lr, warmup_steps, last_epoch)

    def _shape(self, progress: float) -> float:
        return (1.0 - progress) ** self.poly_order
