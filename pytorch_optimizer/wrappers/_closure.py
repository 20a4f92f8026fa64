"""Closure helpers shared by the zeroth-order and line-search wrappers.

Convention (as in torchzero): ``closure(backward=True)`` evaluates the loss and, when ``backward`` is
true, zeroes the gradients and back-propagates; ``closure(False)`` returns the loss without a backward
pass. A closure that takes no argument (the plain ``torch.optim`` closure) still works wherever a
gradient may be computed alongside the value; only purely zeroth-order methods need the argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from pytorch_optimizer.base.validation import owner_name

Closure = Callable[..., Any]


def accepts_backward(closure: Closure) -> bool:
    """Whether ``closure`` can be called as ``closure(False)``."""
    try:
        parameters = inspect.signature(closure).parameters.values()
    except (TypeError, ValueError):  # builtins and C callables: assume the convention
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind in positional or p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters)


def require_backward_argument(owner: Any, closure: Closure) -> None:
    """Raise a clear ``TypeError`` when a zeroth-order method is given a closure without ``backward``."""
    if not accepts_backward(closure):
        raise TypeError(
            f'{owner_name(owner)}: the closure must accept a `backward` argument and skip loss.backward() when it '
            'is False: def closure(backward=True): loss = f(); (if backward: opt.zero_grad(); loss.backward()); '
            'return loss'
        )


def loss_value(closure: Closure, value_only: bool | None = None) -> Tensor:
    """The loss without a backward pass (under ``no_grad``); a closure without ``backward`` also back-propagates.

    ``value_only`` is ``accepts_backward(closure)`` when the caller already knows it (saves the inspection).
    """
    if accepts_backward(closure) if value_only is None else value_only:
        with torch.no_grad():
            return closure(False)
    with torch.enable_grad():
        return closure()


def loss_and_grad(closure: Closure) -> Tensor:
    """The loss with a backward pass (``closure()`` under ``enable_grad``)."""
    with torch.enable_grad():
        return closure()


def real_view(tensor: Tensor) -> Tensor:
    """A real view of a complex tensor (the tensor itself otherwise)."""
    return torch.view_as_real(tensor) if tensor.is_complex() else tensor


def as_float(loss: Any) -> float:
    """A loss (tensor or number) as a Python float (one host sync)."""
    return float(loss.detach()) if isinstance(loss, Tensor) else float(loss)
