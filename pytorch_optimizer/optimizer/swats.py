"""SWATS: switch from Adam to SGD once the SGD learning rate estimate settles.

Reference: Keskar & Socher, "Improving Generalization Performance by Switching from Adam to SGD", 2017.
https://arxiv.org/abs/1712.07628
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base.functional import adanorm_grads, copy_, dots, is_dtensor
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.optimizer._swats_cpu import update_cpu
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class SWATS(BaseOptimizer):
    r"""Adam that switches, per tensor, to SGD with momentum at a learning rate it estimated (Algorithm 1).

    Adam phase, with :math:`\gamma_t` the learning rate whose SGD step projects onto the Adam step :math:`p_t`:

    .. math::
        p_t = -\eta \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} \frac{m_t}{\sqrt{v_t} + \epsilon}, \quad
        \gamma_t = \frac{p_t^\top p_t}{-p_t^\top g_t}, \quad
        \lambda_t = \beta_2 \lambda_{t-1} + (1-\beta_2)\gamma_t \ (\text{if } p_t^\top g_t \ne 0)

    and once :math:`t > 1` and :math:`|\lambda_t/(1-\beta_2^t) - \gamma_t| < \epsilon` the tensor switches for
    good to :math:`u_t = \beta_1 u_{t-1} + g_t`, :math:`\theta_t = \theta_{t-1} - (1-\beta_1)\Lambda u_t` with
    :math:`\Lambda = \lambda_t/(1-\beta_2^t)` (``nesterov``: :math:`g_t + \beta_1 u_t` in place of :math:`u_t`).
    Switching also requires :math:`\Lambda > 0`; it is decided per tensor without a host sync (CPU reads each
    tensor's phase and skips the other phase's passes), and the SGD phase ignores ``lr``. The older library
    switched a whole group, set ``lr`` to :math:`\Lambda` and used a relative tolerance.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta` of the Adam phase.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        ams_bound: use the running maximum of :math:`v_t` (AMSGrad).
        nesterov: Nesterov momentum in the SGD phase.
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not divide :math:`p_t` by :math:`1-\beta_1^t`.
        eps: :math:`\epsilon`, also the switching tolerance.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 'exp_avg_sq', 'momentum_buffer', 'exp_avg2', 'sgd_lr')
    scalar_state_keys = frozenset({'exp_avg2', 'sgd_lr', 'exp_grad_norm'})

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        ams_bound: bool = False,
        nesterov: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        eps: float = 1e-6,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'ams_bound', 'nesterov', 'adanorm', 'adam_debias')
        values = (weight_decouple, fixed_decay, ams_bound, nesterov, adanorm, adam_debias)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            r=check_range(self, 'r', r, 0.0, 1.0),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        extra = (('max_exp_avg_sq',) if group['ams_bound'] else ()) + (('exp_grad_norm',) if group['adanorm'] else ())
        return self.state_keys + extra

    def _batches(self, group, params):
        # eager CPU: one batch per dtype, whose update walks cache-sized pieces itself (see _swats_cpu)
        if group['foreach'] is None and params[0].device.type == 'cpu':
            return super()._batches({**group, 'foreach': True}, params)
        return super()._batches(group, params)

    def _update(
        self, group, params, grads, exp_avg, exp_avg_sq, momentum_buffer, exp_avg2, sgd_lr, max_exp_avg_sq=None,
        exp_grad_norm=None,
    ):  # fmt: skip
        beta1, beta2 = group['betas']
        grads = self.apply_weight_decay(group, params, grads)
        moment_grads = adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads
        max_exp_avg_sq = max_exp_avg_sq if group['ams_bound'] else exp_avg_sq
        step_size = group['lr'] * math.sqrt(self.bias_correction(beta2, group['step']))
        if not group['adam_debias']:
            step_size /= self.bias_correction(beta1, group['step'])
        # CPU: host reads and cache-sized slices; accelerators, compiled code and sharded (DTensor) tensors: masks
        if params[0].device.type == 'cpu' and not torch.compiler.is_compiling() and not is_dtensor(params[0]):
            moments = (moment_grads, exp_avg, exp_avg_sq, max_exp_avg_sq)
            update_cpu(self, group, params, grads, moments, momentum_buffer, exp_avg2, sgd_lr, step_size)
            return
        rates = torch.stack(sgd_lr)  # per-tensor scalars as one vector: a launch per op, not per tensor
        sgd = (rates > 0).to(rates.dtype)
        # SGD phase (Lambda = 0 and u = 0 while in the Adam phase)
        torch._foreach_mul_(momentum_buffer, beta1)
        torch._foreach_add_(momentum_buffer, grads)
        torch._foreach_mul_(momentum_buffer, sgd.unbind())
        sgd_step = torch._foreach_add(grads, momentum_buffer, alpha=beta1) if group['nesterov'] else momentum_buffer
        sgd_step = torch._foreach_mul(sgd_step, (rates * -(1.0 - beta1)).unbind())
        # Adam phase
        torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
        if group['ams_bound']:
            torch._foreach_maximum_(max_exp_avg_sq, exp_avg_sq)
        denom = torch._foreach_sqrt(max_exp_avg_sq)
        torch._foreach_add_(denom, group['eps'])
        adam_step = torch._foreach_div(exp_avg, denom)
        torch._foreach_mul_(adam_step, -step_size)
        pp = torch.stack(torch._foreach_norm(adam_step)).square()
        self._switch(group, torch.stack(dots(adam_step, grads)), pp, exp_avg2, sgd_lr, adam=sgd == 0)
        torch._foreach_mul_(adam_step, (1.0 - sgd).unbind())
        torch._foreach_add_(params, adam_step)
        torch._foreach_add_(params, sgd_step)

    def _switch(self, group, pg, pp, exp_avg2, sgd_lr, adam=None):
        """The SGD learning-rate estimate, its average and the switch, from the stacked per-tensor products
        :math:`p_t^\\top g_t` and :math:`p_t^\\top p_t` (``adam``: which tensors are still in the Adam phase)."""
        beta2, eps, step = group['betas'][1], group['eps'], group['step']
        estimate = pp / -pg
        active = pg != 0 if adam is None else (pg != 0) & adam
        averages = torch.stack(exp_avg2)
        averages = torch.where(active, beta2 * averages + (1.0 - beta2) * estimate, averages)
        corrected = averages / self.bias_correction(beta2, step)
        switch = active & (corrected > 0) & ((corrected - estimate).abs() < eps) & (step > 1)
        copy_(exp_avg2 + sgd_lr, [*averages.unbind(), *torch.where(switch, corrected, torch.stack(sgd_lr)).unbind()])
