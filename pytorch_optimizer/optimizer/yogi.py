"""Yogi: Adam with an additive, sign-controlled second moment.

Reference: Zaheer et al., "Adaptive Methods for Nonconvex Optimization", NeurIPS 2018.
https://papers.nips.cc/paper/8186-adaptive-methods-for-nonconvex-optimization
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import adanorm_grads, add_scaled_, addcdiv_scaled_, cautious_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Yogi(BaseOptimizer):
    r"""Adam whose second moment moves by at most :math:`(1-\beta_2) g_t^2` per step (Algorithm 2).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        v_t = v_{t-1} - (1-\beta_2)\,\mathrm{sign}(v_{t-1} - g_t^2)\, g_t^2, \quad
        \theta_t = \theta_{t-1} - \eta \frac{m_t}{\sqrt{v_t} + \epsilon}

    with :math:`m_0 = 0` and :math:`v_0` = ``initial_accumulator``. As in the paper there is no bias
    correction (the older library bias-corrected both moments and offered ``adam_debias``, which has no
    meaning here).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        initial_accumulator: :math:`v_0`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        cautious: mask update coordinates whose sign disagrees with the gradient (rescaled by the kept fraction).
        eps: :math:`\epsilon` (large by design, the paper uses :math:`10^{-3}`).
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_sq')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        betas: tuple[float, float] = (0.9, 0.999),
        initial_accumulator: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        cautious: bool = False,
        eps: float = 1e-3,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'adanorm', 'cautious')
        values = (weight_decouple, fixed_decay, adanorm, cautious)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            initial_accumulator=check_non_negative(self, 'initial_accumulator', initial_accumulator),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            r=check_range(self, 'r', r, 0.0, 1.0),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('exp_grad_norm',) if group['adanorm'] else ())

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'exp_avg_sq' in state:
            state['exp_avg_sq'].fill_(group['initial_accumulator'])
        return state

    def _prepare(self, group, params, grads, states):
        return {'lr': group['lr']}

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, exp_grad_norm=None, *, lr):
        beta1, beta2 = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        moment_grads = adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads
        torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        # v -= (1 - b2) sign(v - g^2) g^2, with sign(v - g^2) g built in one temporary (no g^2 buffer)
        change = torch._foreach_addcmul(exp_avg_sq, grads, grads, value=-1.0)
        torch._foreach_sign_(change)
        torch._foreach_mul_(change, grads)
        torch._foreach_addcmul_(exp_avg_sq, change, grads, value=-(1.0 - beta2))

        denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_add_(denom, group['eps'])
        if group['cautious']:
            update = torch._foreach_div(exp_avg, denom)
            cautious_(update, grads)
            add_scaled_(params, update, -lr)
        else:
            addcdiv_scaled_(params, exp_avg, denom, -lr)
