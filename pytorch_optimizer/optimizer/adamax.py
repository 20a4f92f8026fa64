"""AdaMax: Adam with the infinity norm.

Reference: Kingma & Ba, 'Adam: A Method for Stochastic Optimization', ICLR 2015, Section 7.1.
https://arxiv.org/abs/1412.6980
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import adanorm_grads, add_scaled_, addcdiv_scaled_, cautious_, cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaMax(BaseOptimizer):
    r"""Adam whose second moment is replaced by an exponentially weighted infinity norm.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t} \frac{m_t}{u_t}

    :math:`\epsilon` inside the max (as in ``torch.optim.Adamax``) keeps :math:`u_t > 0`; with the same
    settings (``weight_decouple=False``) the trajectory equals ``torch.optim.Adamax``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not bias-correct the step size.
        cautious: mask update coordinates whose sign disagrees with the gradient (rescaled by the kept fraction).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_inf')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        cautious: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'adanorm', 'adam_debias', 'cautious')
        values = (weight_decouple, fixed_decay, adanorm, adam_debias, cautious)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
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

    def _prepare(self, group, params, grads, states):
        beta1, lr = group['betas'][0], group['lr']
        step_size = lr if group['adam_debias'] else lr / self.bias_correction(beta1, group['step'])
        return {'lr': lr, 'step_size': step_size}

    def _update(self, group, params, grads, exp_avg, exp_inf, exp_grad_norm=None, *, lr, step_size):
        beta1, beta2 = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        moment_grads = adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads
        torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        torch._foreach_mul_(exp_inf, cpu_scalar(beta2, params[0]))
        abs_grads = torch._foreach_abs(grads)
        torch._foreach_add_(abs_grads, group['eps'])
        torch._foreach_maximum_(exp_inf, abs_grads)

        if group['cautious']:
            update = torch._foreach_div(exp_avg, exp_inf)
            cautious_(update, grads)
            add_scaled_(params, update, -step_size)
        else:
            addcdiv_scaled_(params, exp_avg, exp_inf, -step_size)
