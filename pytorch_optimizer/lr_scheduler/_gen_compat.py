"""The API of the reference package (dscamiss/generalized-newtons-method) on top of :class:`GeN`.

``GenOptimizer``/``make_gen_optimizer`` mark an optimizer class, ``ExactGen`` takes the model and the
criterion. Re-exported by :mod:`pytorch_optimizer.lr_scheduler.gen`, which imports this module after
defining ``GeN`` (import ``gen``, not this module).
Reference: Bu & Xu, "Gradient Descent with Generalized Newton's Method", ICLR 2025.
https://arxiv.org/abs/2407.02772
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import Tensor, nn
from torch.optim import Optimizer

from pytorch_optimizer.lr_scheduler._gen_probe import probe_direction
from pytorch_optimizer.lr_scheduler.gen import GeN


class GenOptimizer:
    """Marker mixin of the classes built by :func:`make_gen_optimizer` (the reference package's API)."""

    def compute_param_updates(self) -> None:
        """Probe ``d`` (displacement of a unit-lr step) of every parameter with a gradient; state is restored."""
        updates = {p: d for ps, ds in probe_direction(self) for p, d in zip(ps, ds)}
        self._gen_updates = updates

    def get_param_update(self, param: Tensor) -> Tensor:
        """The ``d`` of ``param`` from the last :meth:`compute_param_updates` (``ValueError`` if stale)."""
        updates = getattr(self, '_gen_updates', {})
        if param not in updates:
            raise ValueError(f'{type(self).__name__}: no update for this parameter since the last step')
        return updates[param]

    def step(self, *args: Any, **kwargs: Any) -> Any:
        """The base optimizer's step; invalidates the probed updates."""
        self._gen_updates = {}
        return super().step(*args, **kwargs)


def make_gen_optimizer(optimizer_class: type[Optimizer], params: Any, **kwargs: Any) -> Optimizer:
    """``optimizer_class(params, **kwargs)`` as a subclass marked :class:`GenOptimizer` (reference API).

    Any optimizer works with :class:`GeN` as is; this keeps code written for the reference package running.
    The keyword arguments are checked by ``optimizer_class`` itself.
    """
    if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, Optimizer)):
        raise TypeError(f'make_gen_optimizer: expected an Optimizer class, got {optimizer_class!r}')
    cls = type(f'Gen{optimizer_class.__name__}', (GenOptimizer, optimizer_class), {})
    return cls(params, **kwargs)


class ExactGen(GeN):
    """The reference package's interface: ``scheduler.step(x, y)`` with the model and criterion.

    The Taylor coefficients are computed with the model in eval mode (dropout, batch norm frozen)
    on ``(x, y)``. ``fallback`` defaults to the reference's 1e-3. Difference: constructing the
    scheduler (and ``step()`` without data) keeps the lrs instead of setting them to the fallback.

    Args:
        optimizer: the base optimizer.
        model: the network.
        criterion: ``criterion(model(x), y)`` is the loss.
        lr_min: lower clamp of the lr.
        lr_max: upper clamp of the lr.
        fallback: lr when the curvature is not positive.
        last_epoch: index of the last call.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        model: nn.Module,
        criterion: Callable[[Tensor, Tensor], Tensor],
        lr_min: float,
        lr_max: float,
        *,
        fallback: float | None = 1e-3,
        last_epoch: int = -1,
    ) -> None:
        self.model, self.criterion = model, criterion
        super().__init__(optimizer, lr_min, lr_max, 'exact', fallback=fallback, last_epoch=last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler state without the model and the criterion."""
        return {k: v for k, v in super().state_dict().items() if k not in ('model', 'criterion')}

    def step(self, x: Tensor | None = None, y: Tensor | None = None) -> list[float]:  # type: ignore[override]
        """Set the lrs from the batch ``(x, y)``; returns them."""
        if x is None:
            self._step_count += 1
            self.last_epoch += 1
            self._last_lr = self.get_lr()
            return self._last_lr
        model, criterion, optimizer = self.model, self.criterion, self.optimizer

        def closure(backward: bool = True) -> Tensor:
            value = criterion(model(x), y)
            if backward:
                optimizer.zero_grad()
                value.backward()
            return value

        training = model.training
        model.eval()
        try:
            return super().step(closure)
        finally:
            model.train(training)
