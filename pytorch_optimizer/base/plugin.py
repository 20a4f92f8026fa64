"""Attach a gradient transform to any optimizer as a step pre-hook (torch's optimizers included)."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

GradTransform = Callable[[list[Tensor], list[Tensor]], None]


def attach_grad_transform(optimizer: Optimizer, transform: GradTransform) -> RemovableHandle:
    """Run ``transform(params, grads)`` (in place on ``p.grad``) before every ``optimizer.step()``.

    The hook sees the gradients present when ``step`` is called; gradients that an optimizer computes
    inside ``step`` from its closure (SAM family, line searches, zeroth-order methods) are not seen:
    those optimizers call the plug-in functions themselves. Remove it with ``handle.remove()``.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f'plug-ins attach to a torch.optim.Optimizer, got {type(optimizer).__name__}')

    def hook(opt: Optimizer, args: tuple, kwargs: dict) -> None:
        params = [p for group in opt.param_groups for p in group['params'] if p.grad is not None]
        if params:
            transform(params, [p.grad for p in params])

    return optimizer.register_step_pre_hook(hook)
