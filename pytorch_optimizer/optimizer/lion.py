"""Lion (EvoLved Sign Momentum).

Reference: Chen et al., "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023.
https://arxiv.org/abs/2302.06675
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import adanorm_grads, add_scaled_, cautious_, centralize_gradients
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Lion(BaseOptimizer):
    r"""Sign of an interpolated momentum; one state buffer per parameter.

    .. math::
        c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        \theta_t = \theta_{t-1} - \eta\,(\mathrm{sign}(c_t) + \lambda\theta_{t-1}), \quad
        m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta` (3-10x smaller than AdamW's, the paper advises).
        betas: :math:`(\beta_1, \beta_2)`, interpolation and momentum coefficients.
        weight_decay: :math:`\lambda` (3-10x larger than AdamW's).
        weight_decouple: decoupled decay (the paper's form) instead of L2 added to the gradient.
        fixed_decay: decay by :math:`\lambda` instead of :math:`\eta\lambda` per step.
        use_gc: centralize gradients (Yong et al., 2020) before the update.
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to the momentum :math:`m_t` (the sign uses the raw one).
        cautious: zero the coordinates where sign(c) disagrees with g, rescaled by the fraction kept.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device (see BaseOptimizer).
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg',)

    def __init__(
        self,
        params: Params,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        use_gc: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        cautious: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            use_gc=check_bool(self, 'use_gc', use_gc),
            r=check_range(self, 'r', r, 0.0, 1.0),
            adanorm=check_bool(self, 'adanorm', adanorm),
            cautious=check_bool(self, 'cautious', cautious),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('exp_grad_norm',) if group['adanorm'] else ())

    def _prepare(self, group, params, grads, states):
        return {'lr': group['lr']}

    def _update(self, group, params, grads, exp_avg, exp_grad_norm=None, *, lr):
        beta1, beta2 = group['betas']
        if group['use_gc']:
            grads = centralize_gradients(grads)
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        update = torch._foreach_lerp(exp_avg, grads, 1.0 - beta1)
        torch._foreach_sign_(update)
        if group['cautious']:
            cautious_(update, grads)
        add_scaled_(params, update, -lr)
        if group['adanorm']:
            grads = adanorm_grads(grads, exp_grad_norm, group['r'])
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta2)
