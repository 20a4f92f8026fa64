"""PNM: positive-negative momentum.

Reference: Xie et al., "Positive-Negative Momentum: Manipulating Stochastic Gradient Noise to Improve
Generalization", ICML 2021. https://arxiv.org/abs/2103.17182
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base.functional import add_scaled_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class PNM(BaseOptimizer):
    r"""Two momentum buffers fed on alternate steps, combined with a negative weight on the older one.

    On odd steps :math:`(m^+, m^-)` = (``pos_momentum``, ``neg_momentum``), on even steps they swap, then

    .. math::
        m^+_t = \beta_1^2 m^+_{t-2} + (1-\beta_1^2) g_t, \quad
        \theta_t = \theta_{t-1}(1 - \eta\lambda)
            - \eta\,\frac{(1+\beta_0) m^+_t - \beta_0 m^-_{t-1}}{\sqrt{(1+\beta_0)^2 + \beta_0^2}}

    :math:`\beta_0 = 0` is normalized heavy-ball momentum (with :math:`\beta_1^2`); the parity follows
    the group's step clock.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_0)`: momentum coefficient in [0, 1) and the positive-negative
            momentum weight in [0, 1].
        weight_decay: weight decay :math:`\lambda`.
        weight_decouple: decoupled decay (the paper's default) instead of L2 added to the gradient.
        fixed_decay: decay by :math:`\lambda` instead of :math:`\eta\lambda` per step.
        eps: unused by the algorithm; accepted for compatibility with the older API.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('pos_momentum', 'neg_momentum')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 1.0),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas, allow_one=(1,)),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        beta0 = group['betas'][1]
        noise_norm = math.sqrt((1.0 + beta0) ** 2 + beta0**2)
        return {'lr': group['lr'], 'step_size': group['lr'] / noise_norm, 'odd': group['step'] % 2 == 1}

    def _update(self, group, params, grads, pos_momentum, neg_momentum, *, lr, step_size, odd):
        beta1, beta0 = group['betas']
        if not odd:
            pos_momentum, neg_momentum = neg_momentum, pos_momentum
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        torch._foreach_lerp_(pos_momentum, grads, 1.0 - beta1**2)
        update = torch._foreach_lerp(neg_momentum, pos_momentum, 1.0 + beta0)  # (1 + beta0) m+ - beta0 m-
        add_scaled_(params, update, -step_size)
