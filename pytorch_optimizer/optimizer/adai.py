"""Adai: adaptive inertia.

Reference: Xie et al., "Adaptive Inertia: Disentangling the Effects of Adaptive Learning Rate and
Momentum", ICML 2022. https://arxiv.org/abs/2006.15815
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.optimizer._adai_inertia import inertia
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Adai(BaseOptimizer):
    r"""Momentum whose per-coordinate inertia :math:`\beta_{1,t}` adapts to the gradient's second moment.

    .. math::
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad \hat v_t = \frac{v_t}{1-\beta_2^t}, \quad
        \beta_{1,t} = \mathrm{clip}\Big(1 - \beta_0 \frac{\hat v_t}{\overline{\hat v_t}}, 0, 1-\epsilon\Big), \\
        m_t = \beta_{1,t} m_{t-1} + (1-\beta_{1,t}) g_t, \quad
        \theta_t = \theta_{t-1} - \eta\, \frac{m_t}{1 - \prod_{s \le t} \beta_{1,s}}

    (Algorithm 1) where :math:`\overline{\hat v_t}` is the mean over every element of the group (the authors' code
    takes it over all groups); a non-finite mean skips the group's step. With ``dampening`` :math:`d \ne 1` (the older
    library's generalization): :math:`\beta_{1,t} = 1 - \beta_0 (\hat v_t / \overline{\hat v_t})^{1/(3-2d)}`, the
    gradient weight is :math:`(1-\beta_{1,t})^d` and the step is scaled by :math:`\beta_0^{1-d}`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_0, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled decay (AdaiW) instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        stable_weight_decay: AdaiS of the stable-weight-decay paper (Xie et al., 2023,
            https://arxiv.org/abs/2011.11152): decoupled decay kept out of the gradient statistics; for Adai, whose
            step size is not adaptive, it coincides with ``weight_decouple``.
        dampening: :math:`d` in (0, 1]; 1 is the paper's Adai.
        use_gc: centralize gradients before the update.
        eps: :math:`\epsilon`, the inertia bound.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_sq', 'beta1_prod')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.1, 0.99),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        stable_weight_decay: bool = False,
        dampening: float = 1.0,
        use_gc: bool = False,
        eps: float = 1e-3,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        values = locals()
        flags = ('weight_decouple', 'fixed_decay', 'stable_weight_decay', 'use_gc')
        defaults = {name: check_bool(self, name, values[name]) for name in flags}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            dampening=check_range(self, 'dampening', dampening, 0.0, 1.0, low_inclusive=False, high_inclusive=True),
            eps=check_range(self, 'eps', eps, 0.0, 1.0, high_inclusive=True),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'beta1_prod' in keys:
            state['beta1_prod'] = torch.ones_like(param)
        return state

    def _prepare(self, group, params, grads, states):
        beta0, beta2 = group['betas']
        lr, wd, bias_correction2 = group['lr'], group['weight_decay'], self.bias_correction(beta2, group['step'])
        # the gradients the moments see, in dead buffers where they change (copies: p.grad is the user's)
        if group['use_gc']:
            grads[:] = F.centralize_gradients(grads, out=self.scratch(grads, 'centered'))
        if wd > 0.0 and not (group['weight_decouple'] or group['stable_weight_decay']):
            grads[:] = self.into('l2', torch.add, grads, params, alpha=wd)
        # the group sum of the next v from reductions only: the state is updated once the step is known to be finite
        exp_avg_sq, dtype = [s['exp_avg_sq'] for s in states], grads[0].dtype
        sum_v = F.ordered_sum(F.nonnegative_sums(exp_avg_sq), dtype)
        sum_g2 = F.ordered_sum(F.dots(grads, grads), dtype)
        mean = (beta2 * sum_v + (1.0 - beta2) * sum_g2) / (bias_correction2 * sum(v.numel() for v in exp_avg_sq))
        finite = torch.isfinite(mean)
        return {
            'lr': lr,
            'step_size': lr * math.pow(beta0, 1.0 - group['dampening']),
            # all-zero gradients give mean 0 and ratio 0 / tiny = 0 (inertia 1 - eps), not 0 / 0
            'scale': (mean * bias_correction2).clamp_min(torch.finfo(mean.dtype).tiny),
            'finite': finite,
            'flag': F.host_flag(finite),  # read for free on CPU: a non-finite mean skips the step (no snapshot)
        }

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, beta1_prod, *, lr, step_size, scale, finite, flag):
        if flag is False:
            return
        beta0, beta2 = group['betas']
        d, eps, tensors = group['dampening'], group['eps'], params + exp_avg + exp_avg_sq + beta1_prod
        before = F.snapshot(tensors) if flag is None else None  # to undo a non-finite step without a host sync
        if group['weight_decouple'] or group['stable_weight_decay']:
            F.apply_weight_decay(params, grads, lr, group['weight_decay'], True, group['fixed_decay'])
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
        scale = scale.to(params[0].dtype)
        beta1, weight = inertia(self, exp_avg_sq, scale, beta0, d, eps)
        torch._foreach_mul_(beta1_prod, beta1)
        if d == 1.0:  # beta1 m + (1 - beta1) g in one pass
            torch._foreach_lerp_(exp_avg, grads, weight)
        else:
            torch._foreach_pow_(weight, d)
            torch._foreach_mul_(exp_avg, beta1)
            torch._foreach_addcmul_(exp_avg, weight, grads)
        # m / (1 - q) = -m / (q - 1), clamped where 1 - eps may round to 1 (bf16): q = 1 has m = 0, and 0 / -tiny = 0
        denom = torch._foreach_add(beta1_prod, -1.0)
        if eps < torch.finfo(params[0].dtype).eps:
            torch._foreach_clamp_max_(denom, -torch.finfo(params[0].dtype).tiny)
        F.addcdiv_scaled_(params, exp_avg, denom, step_size)
        if flag is None:
            F.undo_unless_(tensors, before, finite)
