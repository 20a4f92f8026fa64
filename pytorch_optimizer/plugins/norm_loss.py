"""Norm loss: a soft unit-norm constraint on the weights, as in Ranger21.

Reference: Georgiou et al., "Norm Loss: An efficient yet effective regularization method for deep
neural networks", ICPR 2020 (https://arxiv.org/abs/2011.06779); Wright & Demeure, "Ranger21", 2021.
"""

from __future__ import annotations

from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.validation import check_non_negative
from pytorch_optimizer.plugins.agc import unit_norm


def norm_loss_(params: list[Tensor], lr: float, factor: float, eps: float = 1e-8) -> None:
    r"""In place, per unit :math:`i` (output row / channel):

    .. math::
        \theta_i \leftarrow \theta_i \Big(1 - 2\eta\lambda \big(1 - \frac{1}{\lVert\theta_i\rVert + \epsilon}\big)\Big)

    the gradient step of :math:`\lambda \sum_i (\lVert\theta_i\rVert - 1)^2`-like norm loss that pulls every
    unit towards unit norm. Units follow :func:`~pytorch_optimizer.plugins.agc.unit_norm` (every
    dimension but the first); Ranger21 uses only dimension 1 for 3-d tensors.
    """
    for p in params:
        correction = unit_norm(p).add(eps).reciprocal_().neg_().add_(1.0).mul_(2.0 * factor)
        p.mul_(correction.mul_(-lr).add_(1.0))


def attach_norm_loss(optimizer: Optimizer, factor: float = 1e-4, eps: float = 1e-8) -> RemovableHandle:
    """Apply :func:`norm_loss_` (with each group's ``lr``) to the parameters with a gradient before each step."""
    check_non_negative('attach_norm_loss', 'factor', factor)
    check_non_negative('attach_norm_loss', 'eps', eps)

    def hook(opt: Optimizer, args: tuple, kwargs: dict) -> None:
        for group in opt.param_groups:
            params = [p for p in group['params'] if p.grad is not None]
            if params:
                norm_loss_([p.detach() for p in params], group['lr'], factor, eps)

    return optimizer.register_step_pre_hook(hook)
