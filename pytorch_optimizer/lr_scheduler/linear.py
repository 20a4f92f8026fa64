"""Linear decay with linear warm-up.

Reference: Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", 2017 (gradual
warm-up), with the linear decay to a floor used since. https://arxiv.org/abs/1706.02677
"""

from __future__ import annotations

from collections.abc import Sequence

from torch.optim import Optimizer

from pytorch_optimizer.lr_scheduler._base import WarmupDecayScheduler
from pytorch_optimizer.registry import register_lr_scheduler


@register_lr_scheduler(name='linear')
class LinearScheduler(WarmupDecayScheduler):
    r"""Linear warm-up to ``max_lr``, then a linear decay to ``min_lr`` at ``t_max``.

    .. math::
        \eta_t = \begin{cases}
            \eta_{init} + (\eta_{max} - \eta_{init})\, t / W & t < W \\
            \eta_{min} + (\eta_{max} - \eta_{min})\,(1 - p_t) & W \le t < T,
                \quad p_t = (t - W) / (T - W) \\
            \eta_{min} & t \ge T
        \end{cases}

    ``t`` is ``last_epoch``: the LR after construction is :math:`\eta_0`, after ``k`` calls to ``step()``
    :math:`\eta_k`. The older library set ``min_lr`` until the first ``step()`` and let the linear branch
    run below ``min_lr`` past ``t_max``; here the LR at construction is :math:`\eta_0` and stays at
    ``min_lr`` from ``t_max`` on.

    Args:
        optimizer: the wrapped optimizer.
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
        t_max: int,
        max_lr: float | Sequence[float],
        min_lr: float | Sequence[float] = 0.0,
        init_lr: float | Sequence[float] = 0.0,
        warmup_steps: int = 0,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(optimizer, t_max, max_lr, min_lr, init_lr, warmup_steps, last_epoch)

    def _shape(self, progress: float) -> float:
        return 1.0 - progress
