"""Shared machinery of the zoo's LR schedulers (a private module: it registers nothing).

* :class:`ClosedFormScheduler`: the LR is a pure function of ``last_epoch``, so ``get_lr()`` and
  ``_get_closed_form_lr()`` agree, ``state_dict`` resume is exact and ``SequentialLR`` (which jumps a
  scheduler to epoch 0 at its milestone) composes.
* :class:`WarmupDecayScheduler`: linear warm-up from ``init_lr`` to ``max_lr``, then a decay shape to
  ``min_lr`` at ``t_max`` (the older ``BaseLinearWarmupScheduler``).
* :class:`DampeningWarmup`: a warm-up factor multiplied onto the base LR or onto any other scheduler.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import Tensor
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from pytorch_optimizer.base.validation import check_lr, check_positive_int, owner_name


def check_optimizer(owner: Any, optimizer: Any) -> Optimizer:
    """Check that ``optimizer`` is a ``torch.optim.Optimizer`` (the message names the class)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f'{owner_name(owner)}: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}'
        )
    return optimizer


def per_group(owner: Any, name: str, value: Any, optimizer: Optimizer) -> list[float]:
    """An LR given as one number (every group) or a list with one number per param group."""
    n = len(optimizer.param_groups)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) != n:
            raise ValueError(
                f'{owner_name(owner)}: {name} must be a number or a list with one entry per param group ({n}), '
                f'got {value!r}'
            )
        return [check_lr(owner, v, f'{name}[{i}]') for i, v in enumerate(value)]
    return [check_lr(owner, value, name)] * n


def check_steps(owner: Any, name: str, value: Any) -> int:
    """A number of steps: an integer ``>= 0``."""
    return check_positive_int(owner, name, value, allow_zero=True)


def _snapshot(optimizer: Optimizer) -> list[Any]:
    """The groups' LRs; tensor LRs are copied (schedulers update them in place)."""
    return [g['lr'].clone() if isinstance(g['lr'], Tensor) else g['lr'] for g in optimizer.param_groups]


def _set_lrs(optimizer: Optimizer, lrs: Sequence[Any]) -> None:
    """Write LRs into the groups, in place for tensor LRs (so compiled / capturable steps keep their tensor)."""
    for group, lr in zip(optimizer.param_groups, lrs):
        if isinstance(group['lr'], Tensor):
            group['lr'].copy_(lr) if isinstance(lr, Tensor) else group['lr'].fill_(lr)
        else:
            group['lr'] = lr


class ClosedFormScheduler(LRScheduler):
    """Base of schedulers whose LRs are a pure function of ``last_epoch``: subclasses write ``_lrs_at``."""

    def _lrs_at(self, step: int) -> list[float]:
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The LR of every param group at ``last_epoch``."""
        return self._lrs_at(self.last_epoch)

    def _get_closed_form_lr(self) -> list[float]:
        return self._lrs_at(self.last_epoch)


class WarmupDecayScheduler(ClosedFormScheduler):
    """Linear warm-up ``init_lr -> max_lr`` over ``warmup_steps``, then ``min_lr + (max_lr - min_lr) * shape(p)``.

    ``p = (t - warmup_steps) / (t_max - warmup_steps)``; from ``t_max`` on the LR stays at ``min_lr``.
    Subclasses define ``_shape(p)`` with ``_shape(0) = 1`` and ``_shape(1) = 0``.
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
        check_optimizer(self, optimizer)
        self.total_steps = check_positive_int(self, 't_max', t_max)
        self.warmup_steps = check_steps(self, 'warmup_steps', warmup_steps)
        if warmup_steps > t_max:
            raise ValueError(f'{owner_name(self)}: warmup_steps must be <= t_max ({t_max}), got {warmup_steps}')
        self.max_lrs = per_group(self, 'max_lr', max_lr, optimizer)
        self.min_lrs = per_group(self, 'min_lr', min_lr, optimizer)
        self.init_lrs = per_group(self, 'init_lr', init_lr, optimizer)
        super().__init__(optimizer, last_epoch)

    def _shape(self, progress: float) -> float:
        raise NotImplementedError

    def _lrs_at(self, step: int) -> list[float]:
        warmup, total = self.warmup_steps, self.total_steps
        lrs = []
        for peak, floor, start in zip(self.max_lrs, self.min_lrs, self.init_lrs):
            if step < warmup:
                lrs.append(start + (peak - start) * step / warmup)
            elif step >= total:
                lrs.append(floor)
            else:
                lrs.append(floor + (peak - floor) * self._shape((step - warmup) / (total - warmup)))
        return lrs


class DampeningWarmup(LRScheduler):
    """LR of group ``i`` at step ``t = last_epoch + 1`` (the optimizer's step count): ``omega_i(t) * lr_i``.

    ``lr_i`` is the base LR, or, when ``scheduler`` is given, that scheduler's (undampened) LR: the wrapped
    scheduler is stepped by this one (step only the warm-up) and sees its own LRs, never the dampened ones.
    Subclasses define ``_omega(t, i)``.
    """

    def __init__(self, optimizer: Optimizer, scheduler: LRScheduler | None, last_epoch: int) -> None:
        check_optimizer(self, optimizer)
        if scheduler is not None:
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(
                    f'{owner_name(self)}: scheduler must be an LRScheduler or None, got {type(scheduler).__name__}'
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(f'{owner_name(self)}: scheduler must drive the same optimizer as the warm-up')
        self.scheduler = scheduler
        self._undampened = _snapshot(optimizer)
        super().__init__(optimizer, last_epoch)

    def _omega(self, step: int, index: int) -> float:
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Step the wrapped scheduler on its own LRs (if any), then apply the warm-up factor."""
        if self.scheduler is not None and not self._is_initial:
            _set_lrs(self.optimizer, self._undampened)
            self.scheduler.step()
            self._undampened = _snapshot(self.optimizer)
        super().step(epoch)

    def _lrs_at(self, step: int) -> list[float]:
        lrs = self.base_lrs if self.scheduler is None else self._undampened
        return [lr * self._omega(step + 1, i) for i, lr in enumerate(lrs)]

    def get_lr(self) -> list[float]:
        """The dampened LR of every param group at ``last_epoch``."""
        return self._lrs_at(self.last_epoch)

    def _get_closed_form_lr(self) -> list[float]:
        return self._lrs_at(self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """This scheduler's state, with the wrapped scheduler's state under ``'scheduler'``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ('optimizer', 'scheduler')}
        state['scheduler'] = None if self.scheduler is None else self.scheduler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load the state saved by :meth:`state_dict` (and the wrapped scheduler's)."""
        state = dict(state_dict)
        inner = state.pop('scheduler', None)
        self.__dict__.update(state)
        if self.scheduler is not None and inner is not None:
            self.scheduler.load_state_dict(inner)
