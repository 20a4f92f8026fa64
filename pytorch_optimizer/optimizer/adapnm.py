"""AdaPNM: Adam with positive-negative momentum.

Reference: Xie et al., "Positive-Negative Momentum: Manipulating Stochastic Gradient Noise to Improve
Generalization", ICML 2021. https://arxiv.org/abs/2103.17182
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base.functional import adanorm_grads, add_scaled_, addcdiv_scaled_, cautious_, cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaPNM(BaseOptimizer):
    r"""Adam whose momentum combines two interleaved momenta, one added and one subtracted (Algorithm 2).

    Two buffers take the gradients of odd and even steps; at step :math:`t` the one of step :math:`t`'s
    parity is updated (:math:`m_t`) and the other (:math:`m_{t-1}`) enters negatively:

    .. math::
        m_t = \beta_1^2 m_{t-2} + (1-\beta_1^2) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \theta_t = \theta_{t-1} - \frac{\eta}{(1-\beta_1^t)\sqrt{(1+\beta_0)^2+\beta_0^2}}\,
            \frac{(1+\beta_0) m_t - \beta_0 m_{t-1}}{\sqrt{\hat v_t/(1-\beta_2^t)} + \epsilon}

    with :math:`\hat v_t = \max_{s\le t} v_s` (``ams_bound``, the paper's default) or :math:`v_t`. The parity
    follows the group's step clock.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2, \beta_0)`; :math:`\beta_0 \in [0, 1]` weighs the negative momentum.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        ams_bound: use the running maximum of :math:`v_t` (AMSGrad).
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to the momenta.
        adam_debias: AdamD — do not divide the step size by :math:`1-\beta_1^t`.
        cautious: mask update coordinates whose sign disagrees with the gradient (rescaled by the kept fraction).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'neg_exp_avg', 'exp_avg_sq')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float, float] = (0.9, 0.999, 1.0),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        ams_bound: bool = True,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        cautious: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'ams_bound', 'adanorm', 'adam_debias', 'cautious')
        values = (weight_decouple, fixed_decay, ams_bound, adanorm, adam_debias, cautious)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas, 3, allow_one=(2,)),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            r=check_range(self, 'r', r, 0.0, 1.0),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        extra = (('max_exp_avg_sq',) if group['ams_bound'] else ()) + (('exp_grad_norm',) if group['adanorm'] else ())
        return self.state_keys + extra

    def _prepare(self, group, params, grads, states):
        beta1, beta2, beta0 = group['betas']
        step = group['step']
        step_size = group['lr'] / math.sqrt((1.0 + beta0) ** 2 + beta0**2)
        if not group['adam_debias']:
            step_size /= self.bias_correction(beta1, step)
        shared = {
            'lr': group['lr'],
            'odd': step % 2 == 1,
            'bias_correction2_sqrt': math.sqrt(self.bias_correction(beta2, step)),
            'step_size': step_size,
        }
        return shared

    def _update(
        self,
        group,
        params,
        grads,
        exp_avg,
        neg_exp_avg,
        exp_avg_sq,
        max_exp_avg_sq=None,
        exp_grad_norm=None,
        *,
        lr,
        bias_correction2_sqrt,
        step_size,
        odd,
    ):
        beta1, beta2, beta0 = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        moment_grads = adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads
        pos, neg = (exp_avg, neg_exp_avg) if odd else (neg_exp_avg, exp_avg)
        torch._foreach_lerp_(pos, moment_grads, 1.0 - beta1 * beta1)
        torch._foreach_mul_(exp_avg_sq, cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
        if group['ams_bound']:
            torch._foreach_maximum_(max_exp_avg_sq, exp_avg_sq)
            exp_avg_sq = max_exp_avg_sq
        update = torch._foreach_lerp(neg, pos, 1.0 + beta0)  # (1 + beta0) m_t - beta0 m_{t-1}
        # s u / (sqrt(v) / c2 + eps) = (s c2) u / (sqrt(v) + c2 eps): two passes fewer
        denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_add_(denom, group['eps'] * bias_correction2_sqrt)
        if not group['cautious']:
            addcdiv_scaled_(params, update, denom, -step_size * bias_correction2_sqrt)
            return
        torch._foreach_div_(update, denom)
        cautious_(update, grads)
        add_scaled_(params, update, -step_size * bias_correction2_sqrt)
