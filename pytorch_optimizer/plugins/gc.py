"""Gradient centralization.

Reference: Yong et al., "Gradient Centralization: A New Optimization Technique for Deep Neural
Networks", ECCV 2020. https://arxiv.org/abs/2004.01461
"""

from __future__ import annotations

from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.plugin import attach_grad_transform


def centralize_gradient(grad: Tensor, gc_conv_only: bool = False) -> Tensor:
    r"""Centralize ``grad`` in place: :math:`g \leftarrow g - \mathrm{mean}_{1..}(g)` and return it.

    Applies to tensors with more than one dimension (more than three with ``gc_conv_only``, i.e.
    convolution kernels only); others are returned unchanged.
    """
    if grad.dim() > (3 if gc_conv_only else 1):
        grad.sub_(grad.mean(dim=tuple(range(1, grad.dim())), keepdim=True))
    return grad


def attach_gc(optimizer: Optimizer, gc_conv_only: bool = False) -> RemovableHandle:
    """Centralize every gradient before each ``optimizer.step()``; returns the removable hook handle."""

    def transform(params: list[Tensor], grads: list[Tensor]) -> None:
        for g in grads:
            centralize_gradient(g, gc_conv_only)

    return attach_grad_transform(optimizer, transform)
