"""Adaptive gradient clipping (unit-wise).

Reference: Brock et al., "High-Performance Large-Scale Image Recognition Without Normalization",
ICML 2021. https://arxiv.org/abs/2102.06171
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.plugin import attach_grad_transform


def unit_norm(x: Tensor, norm: float = 2.0) -> Tensor:
    """Norm per unit (output row / channel: over all dims but the first); whole-tensor for 0-d and 1-d."""
    if x.dim() <= 1:
        return torch.linalg.vector_norm(x, ord=norm)
    return torch.linalg.vector_norm(x, ord=norm, dim=tuple(range(1, x.dim())), keepdim=True)


def agc(
    p: Tensor,
    grad: Tensor,
    agc_eps: float = 1e-3,
    agc_clip_val: float = 1e-2,
    eps: float = 1e-6,
    out: Tensor | None = None,
) -> Tensor:
    r"""Return the unit-wise clipped gradient (a new tensor, or ``out``; ``grad`` is untouched unless it is ``out``).

    .. math::
        g_i \leftarrow \begin{cases} \lambda \frac{\max(\lVert W_i \rVert, \epsilon_a)}{\lVert g_i \rVert} g_i
        & \text{if } \frac{\lVert g_i \rVert}{\max(\lVert W_i \rVert, \epsilon_a)} > \lambda \\
        g_i & \text{else} \end{cases}

    Args:
        p: the parameter :math:`W`.
        grad: its gradient.
        agc_eps: :math:`\epsilon_a`, floor of the parameter norm (so zero-initialized units can move).
        agc_clip_val: :math:`\lambda`, the maximal gradient-to-weight norm ratio.
        eps: floor of the gradient norm in the division.
        out: where to write the result (may be ``grad`` itself).
    """
    max_norm = unit_norm(p.detach()).clamp_min(agc_eps).mul_(agc_clip_val)
    g_norm = unit_norm(grad)
    # one factor per unit (1 where unclipped: g * 1 == g exactly), then a single pass over the gradient
    return torch.mul(grad, torch.where(g_norm > max_norm, max_norm / g_norm.clamp_min(eps), 1.0), out=out)


def attach_agc(
    optimizer: Optimizer, agc_clip_val: float = 1e-2, agc_eps: float = 1e-3, eps: float = 1e-6
) -> RemovableHandle:
    """Clip every gradient unit-wise (in place on ``p.grad``) before each ``optimizer.step()``."""
    if agc_clip_val <= 0 or agc_eps < 0 or eps < 0:
        raise ValueError(f'attach_agc: need agc_clip_val > 0 and eps >= 0, got {agc_clip_val}, {agc_eps}, {eps}')

    def transform(params: list[Tensor], grads: list[Tensor]) -> None:
        for p, g in zip(params, grads):
            agc(p, g, agc_eps, agc_clip_val, eps, out=g)

    return attach_grad_transform(optimizer, transform)
