"""Unit-norm gradients: scale each unit (output row / channel) of every gradient to unit L2 norm.

Reference: the unit-wise norm of Brock et al., "High-Performance Large-Scale Image Recognition Without
Normalization", ICML 2021 (https://arxiv.org/abs/2102.06171), used as a normalization.
"""

from __future__ import annotations

from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.plugin import attach_grad_transform
from pytorch_optimizer.base.validation import check_non_negative, check_positive
from pytorch_optimizer.plugins.agc import unit_norm


def unit_normalize_(grads: list[Tensor], norm: float = 2.0, eps: float = 1e-8) -> None:
    r"""In place: :math:`g_i \leftarrow g_i / \max(\lVert g_i \rVert_p, \epsilon)` per unit.

    Units follow :func:`~pytorch_optimizer.plugins.agc.unit_norm`: every dimension but the first for
    tensors of two or more dimensions, the whole tensor otherwise. A zero unit stays zero.
    """
    for g in grads:
        g.div_(unit_norm(g, norm).clamp_min(eps))


def attach_unit_norm(optimizer: Optimizer, norm: float = 2.0, eps: float = 1e-8) -> RemovableHandle:
    """Normalize every gradient unit-wise (in place on ``p.grad``) before each ``optimizer.step()``."""
    check_positive('attach_unit_norm', 'norm', norm, allow_inf=True)
    check_non_negative('attach_unit_norm', 'eps', eps)

    def transform(params: list[Tensor], grads: list[Tensor]) -> None:
        unit_normalize_(grads, norm, eps)

    return attach_grad_transform(optimizer, transform)
