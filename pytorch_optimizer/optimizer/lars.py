"""LARS: layer-wise adaptive rate scaling.

Reference: You, Gitman & Ginsburg, "Large Batch Training of Convolutional Networks", arXiv 2017.
https://arxiv.org/abs/1708.03888
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class LARS(BaseOptimizer):
    r"""SGD with momentum whose step is rescaled per layer by a trust ratio.

    .. math::
        \lambda^l = \eta_{tc} \frac{\lVert \theta^l \rVert}{\lVert g^l \rVert + \beta \lVert \theta^l \rVert}, \quad
        u^l = \lambda^l (g^l + \beta\theta^l), \quad b^l = \mu b^l + (1-\tau) u^l, \quad
        \theta^l \leftarrow \theta^l - \gamma\,(u^l + \mu b^l \ \text{if nesterov else}\ b^l)

    per tensor :math:`l`, with :math:`\lambda^l = 1` where :math:`\lVert\theta^l\rVert` or :math:`\lVert g^l\rVert`
    is zero. The paper's buffer holds :math:`\gamma\lambda^l u^l`; with a constant lr both forms are the same.
    Deviation from the older library (paper form here): :math:`\beta\lVert\theta\rVert` is in the trust ratio's
    denominator and every tensor, biases and norm weights included, is scaled.

    Args:
        params: parameters or parameter groups (put biases/norm weights in a group of their own to exclude them).
        lr: global learning rate :math:`\gamma`.
        weight_decay: :math:`\beta`.
        momentum: :math:`\mu`.
        dampening: :math:`\tau`.
        trust_coefficient: LARS coefficient :math:`\eta_{tc}`.
        nesterov: Nesterov momentum.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        momentum: float = 0.9,
        dampening: float = 0.0,
        trust_coefficient: float = 1e-3,
        *,
        nesterov: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            dampening=check_range(self, 'dampening', dampening, 0.0, 1.0, high_inclusive=True),
            trust_coefficient=check_range(
                self, 'trust_coefficient', trust_coefficient, 0.0, float('inf'), low_inclusive=False
            ),
            nesterov=check_bool(self, 'nesterov', nesterov),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return ('momentum_buffer',) if group['momentum'] > 0.0 else ()

    def _update(self, group, params, grads, momentum_buffer=None):
        wd, momentum, lr = group['weight_decay'], group['momentum'], group['lr']
        # trust ratios of the whole batch as one vector: a handful of kernels, not a few per parameter
        pn, gn = torch.stack(torch._foreach_norm(params)), torch.stack(torch._foreach_norm(grads))
        ratio = torch.where((pn > 0) & (gn > 0), group['trust_coefficient'] * pn / (gn + wd * pn), 1.0)
        # u = ratio * d with d = g + wd * theta; the per-tensor ratio is folded into the ops that read u
        d = grads
        if wd:
            d = self.into('update', torch.add, grads, params, alpha=wd)
        if momentum == 0.0:
            torch._foreach_addcmul_(params, d, list((ratio * -lr).unbind()))
            return
        torch._foreach_mul_(momentum_buffer, cpu_scalar(momentum, params[0]))
        torch._foreach_addcmul_(momentum_buffer, d, list((ratio * (1.0 - group['dampening'])).unbind()))
        if group['nesterov']:  # theta -= lr * (u + momentum * b)
            torch._foreach_addcmul_(params, d, list((ratio * -lr).unbind()))
            torch._foreach_add_(params, momentum_buffer, alpha=-lr * momentum)
        else:
            torch._foreach_add_(params, momentum_buffer, alpha=-lr)
