"""AdaNorm: Adam with the gradient-norm correction of its first moment.

Reference: Dubey et al., "AdaNorm: Adaptive Gradient Norm Correction based Optimization for Convolutional
Neural Networks", WACV 2023. https://arxiv.org/abs/2210.06364
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base.functional import cautious_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaNorm(BaseOptimizer):
    r"""Adam (AdamNorm) whose first moment accumulates gradients rescaled to their norm's history.

    .. math::
        e_t = r e_{t-1} + (1-r)\lVert g_t \rVert, \quad
        s_t = \max\Big(1, \frac{e_t}{\lVert g_t \rVert}\Big) g_t, \\
        m_t = \beta_1 m_{t-1} + (1-\beta_1) s_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t} \frac{m_t}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}

    with norms per tensor. ``ams_bound`` uses the running maximum of :math:`v_t`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        r: :math:`r`, EMA coefficient of the gradient norm.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        ams_bound: use the running maximum of :math:`v_t` (AMSGrad).
        adam_debias: AdamD — do not divide the step size by :math:`1-\beta_1^t`.
        cautious: mask update coordinates whose sign disagrees with the gradient (rescaled by the kept fraction).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 'exp_avg_sq', 'exp_grad_norm')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.99),
        r: float = 0.95,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        ams_bound: bool = False,
        adam_debias: bool = False,
        cautious: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'ams_bound', 'adam_debias', 'cautious')
        values = (weight_decouple, fixed_decay, ams_bound, adam_debias, cautious)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            r=check_range(self, 'r', r, 0.0, 1.0),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('max_exp_avg_sq',) if group['ams_bound'] else ())

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, exp_grad_norm, max_exp_avg_sq=None):
        beta1, beta2 = group['betas']
        step = group['step']
        grads = self.apply_weight_decay(group, params, grads)
        # m = beta1 m + (1 - beta1) s_t with s_t = scale * g: the scale joins the add (no corrected copy); the
        # scales of functional.adanorm_scales, computed on stacked norms (a few kernels, not a few per tensor)
        norms = torch._foreach_norm(grads)
        torch._foreach_lerp_(exp_grad_norm, norms, 1.0 - group['r'])
        e, n = torch.stack(exp_grad_norm), torch.stack(norms)
        scales = torch.where(e > n, e / torch.where(n > 0, n, 1.0), 1.0) * (1.0 - beta1)  # 0 * e for a zero g
        torch._foreach_mul_(exp_avg, beta1)
        torch._foreach_addcmul_(exp_avg, grads, list(scales.unbind()))
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
        if group['ams_bound']:
            torch._foreach_maximum_(max_exp_avg_sq, exp_avg_sq)
            exp_avg_sq = max_exp_avg_sq

        denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_div_(denom, math.sqrt(self.bias_correction(beta2, step)))
        torch._foreach_add_(denom, group['eps'])
        step_size = group['lr'] if group['adam_debias'] else group['lr'] / self.bias_correction(beta1, step)
        if group['cautious']:
            update = torch._foreach_div(exp_avg, denom)
            cautious_(update, grads)
            torch._foreach_add_(params, update, alpha=-step_size)
        else:
            torch._foreach_addcdiv_(params, exp_avg, denom, value=-step_size)
