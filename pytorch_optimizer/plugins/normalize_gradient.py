"""Gradient normalization (divide each gradient by its standard deviation), as used by Ranger21.

Reference: Wright & Demeure, "Ranger21: a synergistic deep learning optimizer", 2021.
https://arxiv.org/abs/2106.13731
"""

from __future__ import annotations

from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.plugin import attach_grad_transform
from pytorch_optimizer.base.validation import check_bool, check_non_negative


def normalize_gradient(x: Tensor, use_channels: bool = False, epsilon: float = 1e-8) -> Tensor:
    r"""Normalize ``x`` in place by its standard deviation and return it.

    .. math::
        g \leftarrow \frac{g}{\mathrm{std}(g) + \epsilon}

    With ``use_channels`` a tensor of two or more dimensions is normalized per output unit (std over
    every dimension but the first); otherwise the whole tensor is normalized when it has more than two
    elements (a smaller tensor has no meaningful spread and is left unchanged).

    Args:
        x: the gradient (modified in place).
        use_channels: per-unit instead of whole-tensor statistics.
        epsilon: added to the standard deviation.
    """
    if x.dim() > 1 and use_channels:
        x.div_(x.std(dim=tuple(range(1, x.dim())), keepdim=True).add_(epsilon))
    elif x.numel() > 2:
        x.div_(x.std().add_(epsilon))
    return x


def normalize_gradients_(grads: list[Tensor], use_channels: bool = False, epsilon: float = 1e-8) -> None:
    """Apply :func:`normalize_gradient` to every tensor of ``grads`` in place."""
    for g in grads:
        normalize_gradient(g, use_channels, epsilon)


def attach_normalize_gradient(
    optimizer: Optimizer, use_channels: bool = False, epsilon: float = 1e-8
) -> RemovableHandle:
    """Normalize every gradient (in place on ``p.grad``) before each ``optimizer.step()``."""
    check_bool('attach_normalize_gradient', 'use_channels', use_channels)
    check_non_negative('attach_normalize_gradient', 'epsilon', epsilon)

    def transform(params: list[Tensor], grads: list[Tensor]) -> None:
        normalize_gradients_(grads, use_channels, epsilon)

    return attach_grad_transform(optimizer, transform)
