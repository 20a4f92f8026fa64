"""QHM: quasi-hyperbolic momentum.

Reference: Ma & Yarats, "Quasi-hyperbolic momentum and Adam for deep learning", ICLR 2019.
https://arxiv.org/abs/1810.06801
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import add_scaled_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class QHM(BaseOptimizer):
    r"""A :math:`\nu`-weighted average of the plain gradient and a normalized momentum.

    .. math::
        b_t = \beta b_{t-1} + (1-\beta) g_t, \quad
        \theta_t = \theta_{t-1} - \eta\,\big[(1-\nu) g_t + \nu b_t\big]

    :math:`\nu = 0` is plain SGD; :math:`\nu = 1` is momentum SGD with a normalized buffer
    (``torch.optim.SGD(lr * (1 - beta), momentum=beta)``); :math:`\nu = \beta` is Nesterov's momentum.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        momentum: momentum factor :math:`\beta`.
        nu: immediate discount factor :math:`\nu` in [0, 1].
        weight_decay: weight decay :math:`\lambda`.
        weight_decouple: decoupled decay (qhoptim's "direct" type) instead of L2 in the gradient ("grad").
        fixed_decay: decay by :math:`\lambda` instead of :math:`\eta\lambda` per step.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('momentum_buffer',)

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        nu: float = 1.0,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            nu=check_range(self, 'nu', nu, 0.0, 1.0, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        lr, nu = group['lr'], group['nu']
        return {'lr': lr, 'momentum_step': lr * nu, 'grad_step': lr * (1.0 - nu)}

    def _update(self, group, params, grads, momentum_buffer, *, lr, momentum_step, grad_step):
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        torch._foreach_lerp_(momentum_buffer, grads, 1.0 - group['momentum'])
        add_scaled_(params, momentum_buffer, -momentum_step)
        if group['nu'] != 1.0:
            add_scaled_(params, grads, -grad_step)
