"""AdaMod: Adam with step sizes bounded by their own exponential moving average.

Reference: Ding et al., "An Adaptive and Momental Bound Method for Stochastic Learning", 2019.
https://arxiv.org/abs/1910.12249
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaMod(BaseOptimizer):
    r"""Adam whose element-wise step sizes never exceed their long-term average (Algorithm 1).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \eta_t = \frac{\eta}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}, \\
        s_t = \beta_3 s_{t-1} + (1-\beta_3) \eta_t, \quad
        \theta_t = \theta_{t-1} - \min(\eta_t, s_t) \odot \frac{m_t}{1-\beta_1^t}

    The authors' code (and the older library) fold :math:`1/(1-\beta_1^t)` into :math:`\eta_t` before the
    average and add :math:`\epsilon` to the uncorrected :math:`\sqrt{v_t}`; this follows the paper's algorithm.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2, \beta_3)`; :math:`\beta_3` smooths the step sizes.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        adam_debias: AdamD — do not divide the first moment by :math:`1-\beta_1^t`.
        cautious: mask update coordinates whose sign disagrees with the gradient (rescaled by the kept fraction).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_sq', 'exp_avg_lr')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float, float] = (0.9, 0.99, 0.9999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        adam_debias: bool = False,
        cautious: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'adam_debias', 'cautious')
        values = (weight_decouple, fixed_decay, adam_debias, cautious)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas, 3),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        beta1, beta2, _ = group['betas']
        step = group['step']
        return {
            'lr': group['lr'],
            'bias_correction2_sqrt': math.sqrt(self.bias_correction(beta2, step)),
            'step_size': 1.0 if group['adam_debias'] else 1.0 / self.bias_correction(beta1, step),
        }

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, exp_avg_lr, *, lr, bias_correction2_sqrt, step_size):
        beta1, beta2, beta3 = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)

        # eta / (sqrt(v)/bc2 + eps) = eta bc2 / (sqrt(v) + bc2 eps): bc2 moves into eps and the numerator
        rates = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_add_(rates, group['eps'] * bias_correction2_sqrt)
        torch._foreach_reciprocal_(rates)
        torch._foreach_mul_(rates, F.cpu_scalar(lr * bias_correction2_sqrt, params[0]))
        torch._foreach_lerp_(exp_avg_lr, rates, 1.0 - beta3)
        torch._foreach_minimum_(rates, exp_avg_lr)
        if group['cautious'] or isinstance(step_size, Tensor):  # addcmul_'s value= takes no tensor (fused path)
            torch._foreach_mul_(rates, exp_avg)
            if group['cautious']:
                F.cautious_(rates, grads)
            F.add_scaled_(params, rates, -step_size)
        else:
            torch._foreach_addcmul_(params, rates, exp_avg, value=-step_size)
