"""OrthoGrad as a wrapper (the older API): orthogonalize the gradients, then take the inner step.

Reference: Prieto et al., "Grokking at the Edge of Numerical Stability", ICLR 2025.
https://arxiv.org/abs/2501.04697
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_non_negative
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.plugins.orthograd import orthogonalize_gradients_
from pytorch_optimizer.registry import register_wrapper


@register_wrapper
class OrthoGrad(BaseWrapper):
    r"""Replace each gradient by its component orthogonal to the weights, rescaled to the gradient's norm.

    .. math::
        g \leftarrow \frac{\lVert g\rVert}{\lVert g_\perp\rVert + \epsilon} g_\perp, \quad
        g_\perp = g - \frac{\langle w, g\rangle}{\langle w, w\rangle + \epsilon} w

    The closure (if any) is evaluated first, so the orthogonalized gradient is the fresh one; ``p.grad``
    is modified in place (as in the paper's code). The same transform is available for any optimizer as
    :func:`~pytorch_optimizer.plugins.orthograd.attach_orthograd`.

    Args:
        optimizer: the inner optimizer.
        foreach: accepted for compatibility; foreach ops are always used.
        eps: :math:`\epsilon`.
    """

    def __init__(self, optimizer: Optimizer, foreach: bool | None = None, *, eps: float = 1e-30) -> None:
        super().__init__(optimizer, dict(foreach=foreach, eps=check_non_negative(self, 'eps', eps)))

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """Closure, orthogonalization, inner step."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        params = [p for group in self.param_groups for p in group['params'] if p.grad is not None]
        orthogonalize_gradients_(params, [p.grad for p in params], self.defaults['eps'])
        self.optimizer.step()
        return loss
