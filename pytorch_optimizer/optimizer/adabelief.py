"""AdaBelief: adapting step sizes by the belief in observed gradients.

Reference: Zhuang et al., "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed
Gradients", NeurIPS 2020. https://arxiv.org/abs/2010.07468
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import (
    check_betas,
    check_bool,
    check_lr,
    check_non_negative,
    check_positive_int,
    check_range,
)
from pytorch_optimizer.registry import register_optimizer


@register_optimizer(variants={'radabelief': {'rectify': True}})
class AdaBelief(BaseOptimizer):
    r"""Adam whose second moment tracks the variance of the gradient around its EMA.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        s_t = \beta_2 s_{t-1} + (1-\beta_2)(g_t - m_t)^2 + \epsilon, \\
        \theta_t = \theta_{t-1} - \eta\,\frac{m_t / (1-\beta_1^t)}{\sqrt{s_t / (1-\beta_2^t)} + \epsilon}

    With ``rectify`` the step is multiplied by RAdam's :math:`r_t` (and is an SGD-with-momentum step,
    or none, while :math:`\rho_t <` ``n_sma_threshold``). Rectified steps keep the bias-corrected
    denominator of the paper's Algorithm 2 (the official code folds :math:`\sqrt{1-\beta_2^t}` into the
    step size, which moves :math:`\epsilon` by that factor).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        rectify: RAdam rectification of the adaptive step (variant ``radabelief``).
        n_sma_threshold: :math:`\rho_t` from which the rectified adaptive step is used.
        degenerated_to_sgd: before that, take an SGD-with-momentum step (else no step).
        ams_bound: use the running maximum of :math:`s_t` (AMSGrad).
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not bias-correct the first moment's step size.
        cautious: mask update coordinates whose sign disagrees with the gradient.
        eps: :math:`\epsilon`, added inside :math:`s_t` and to the denominator.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_var')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        rectify: bool = False,
        n_sma_threshold: int = 5,
        degenerated_to_sgd: bool = True,
        ams_bound: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        cautious: bool = False,
        eps: float = 1e-16,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'rectify', 'degenerated_to_sgd', 'ams_bound', 'adanorm')
        values = (weight_decouple, fixed_decay, rectify, degenerated_to_sgd, ams_bound, adanorm)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            n_sma_threshold=check_positive_int(self, 'n_sma_threshold', n_sma_threshold),
            r=check_range(self, 'r', r, 0.0, 1.0),
            adam_debias=check_bool(self, 'adam_debias', adam_debias),
            cautious=check_bool(self, 'cautious', cautious),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        extra = (('max_exp_avg_var',) if group['ams_bound'] else ()) + (('exp_grad_norm',) if group['adanorm'] else ())
        return self.state_keys + extra

    def _prepare(self, group, params, grads, states):
        return F.adam_step_scalars(group)

    def _update(
        self,
        group,
        params,
        grads,
        exp_avg,
        exp_avg_var,
        max_exp_avg_var=None,
        exp_grad_norm=None,
        *,
        lr,
        step_size,
        adaptive,
        skip,
        bias_correction2_sqrt,
    ):
        beta1, beta2 = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        torch._foreach_lerp_(
            exp_avg, F.adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads, 1.0 - beta1
        )
        residual = torch._foreach_sub(grads, exp_avg)
        torch._foreach_mul_(exp_avg_var, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_var, residual, residual, value=1.0 - beta2)
        torch._foreach_add_(exp_avg_var, group['eps'])
        if group['ams_bound']:
            torch._foreach_maximum_(max_exp_avg_var, exp_avg_var)
            exp_avg_var = max_exp_avg_var
        if skip:
            return
        if adaptive:  # m / (sqrt(s)/bc2 + eps) = bc2 m / (sqrt(s) + bc2 eps): bc2 moves into eps and the step size
            denom = torch._foreach_sqrt(exp_avg_var)
            torch._foreach_add_(denom, group['eps'] * bias_correction2_sqrt)
            step_size = step_size * bias_correction2_sqrt
        F.adaptive_step_(params, grads, exp_avg, denom if adaptive else None, step_size, group['cautious'])
