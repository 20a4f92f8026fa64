"""ProportionScheduler: drive another hyper-parameter (GSAM's rho) in proportion to a scheduled LR.

Reference: Zhuang et al., "Surrogate Gap Guided Sharpness-Aware Minimization", ICLR 2022 (rho_t
follows the LR schedule). https://arxiv.org/abs/2203.08065
"""

from __future__ import annotations

from typing import Any

from torch.optim.lr_scheduler import LRScheduler

from pytorch_optimizer.base.validation import check_lr, check_number, owner_name
from pytorch_optimizer.registry import register_lr_scheduler


@register_lr_scheduler(name='proportion')
class ProportionScheduler:
    r"""Map the current LR of ``lr_scheduler`` linearly to a value (e.g. GSAM's :math:`\rho_t`).

    .. math::
        v_t = v_{min} + (v_{max} - v_{min}) \frac{\eta_t - \eta_{min}}{\eta_{max} - \eta_{min}}

    (:math:`v_t = v_{max}` when :math:`\eta_{max} = \eta_{min}`), with :math:`\eta_t` the first param
    group's LR as last set by ``lr_scheduler``. Call :meth:`step` after stepping ``lr_scheduler``.

    A plain class, not an ``LRScheduler`` subclass: it owns no optimizer LR (``LRScheduler.__init__``
    would overwrite the optimizer's ``lr``), it only reads one. It keeps the scheduler protocol
    (``step``, ``get_lr``, ``get_last_lr``, ``state_dict``, ``load_state_dict``); the value is a pure
    function of the LR, so resuming ``lr_scheduler`` resumes it.

    Args:
        lr_scheduler: the LR scheduler to follow (anything with ``get_last_lr()`` or ``optimizer``).
        max_lr: LR mapped to ``max_value``.
        min_lr: LR mapped to ``min_value``.
        max_value: value at ``max_lr``.
        min_value: value at ``min_lr``.
    """

    def __init__(
        self,
        lr_scheduler: LRScheduler,
        max_lr: float,
        min_lr: float = 0.0,
        max_value: float = 2.0,
        min_value: float = 2.0,
    ) -> None:
        if not (hasattr(lr_scheduler, 'get_last_lr') or hasattr(lr_scheduler, 'optimizer')):
            raise TypeError(f'{owner_name(self)}: lr_scheduler must be an LR scheduler, got {lr_scheduler!r}')
        self.lr_scheduler = lr_scheduler
        self.max_lr = check_lr(self, max_lr, 'max_lr')
        self.min_lr = check_lr(self, min_lr, 'min_lr')
        if self.max_lr < self.min_lr:
            raise ValueError(f'{owner_name(self)}: max_lr must be >= min_lr ({min_lr}), got {max_lr}')
        self.max_value = check_number(self, 'max_value', max_value)
        self.min_value = check_number(self, 'min_value', min_value)
        self.step_t = 0
        self.last_lr: list[float] = []
        self.step()

    def _current_lr(self) -> float:
        if hasattr(self.lr_scheduler, 'get_last_lr'):
            return float(self.lr_scheduler.get_last_lr()[0])
        return float(self.lr_scheduler.optimizer.param_groups[0]['lr'])

    def value_at(self, lr: float) -> float:
        """The value mapped to learning rate ``lr``."""
        if self.max_lr == self.min_lr:
            return self.max_value
        return self.min_value + (self.max_value - self.min_value) * (lr - self.min_lr) / (self.max_lr - self.min_lr)

    def step(self) -> float:
        """Read the scheduler's current LR and return (and store) the mapped value."""
        self.step_t += 1
        value = self.value_at(self._current_lr())
        self.last_lr = [value]
        return value

    def get_lr(self) -> float:
        """The value computed by the last :meth:`step`."""
        return self.last_lr[0]

    def get_last_lr(self) -> list[float]:
        """The value computed by the last :meth:`step`, as a one-element list (scheduler protocol)."""
        return list(self.last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the followed scheduler (save that one separately)."""
        return {k: v for k, v in self.__dict__.items() if k != 'lr_scheduler'}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load the state saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)
