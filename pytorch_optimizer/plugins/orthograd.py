"""OrthoGrad: keep only the gradient component orthogonal to the weights, rescaled to the gradient's norm.

Reference: Prieto et al., "Grokking at the Edge of Numerical Stability", ICLR 2025.
https://arxiv.org/abs/2501.04697
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.plugin import attach_grad_transform
from pytorch_optimizer.base.validation import check_non_negative


def orthogonalize_gradients_(params: list[Tensor], grads: list[Tensor], eps: float = 1e-30) -> None:
    r"""In place, per tensor (flattened):

    .. math::
        g_\perp = g - \frac{\langle w, g\rangle}{\langle w, w\rangle + \epsilon} w, \quad
        g \leftarrow g_\perp \frac{\lVert g \rVert}{\lVert g_\perp \rVert + \epsilon}

    Complex tensors use the real inner product of their real views.
    """
    if not params:
        return
    ws = [torch.view_as_real(p.detach()) if p.is_complex() else p.detach() for p in params]
    gs = [torch.view_as_real(g) if g.is_complex() else g for g in grads]
    dots = [torch.dot(w.reshape(-1), g.reshape(-1)) for w, g in zip(ws, gs)]
    w_sq = torch._foreach_norm(ws)
    torch._foreach_mul_(w_sq, w_sq)
    torch._foreach_add_(w_sq, eps)
    coefs = torch._foreach_div(dots, w_sq)
    g_norms = torch._foreach_norm(gs)
    torch._foreach_sub_(gs, torch._foreach_mul(ws, coefs))
    orth_norms = torch._foreach_norm(gs)
    torch._foreach_add_(orth_norms, eps)
    torch._foreach_mul_(gs, torch._foreach_div(g_norms, orth_norms))


def attach_orthograd(optimizer: Optimizer, eps: float = 1e-30) -> RemovableHandle:
    """Orthogonalize every gradient to its weights (in place on ``p.grad``) before each ``optimizer.step()``."""
    check_non_negative('attach_orthograd', 'eps', eps)

    def transform(params: list[Tensor], grads: list[Tensor]) -> None:
        orthogonalize_gradients_(params, grads, eps)

    return attach_grad_transform(optimizer, transform)
