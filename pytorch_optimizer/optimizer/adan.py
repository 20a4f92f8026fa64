"""Adan: adaptive Nesterov momentum.

Reference: Xie et al., "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models",
IEEE TPAMI 2024. https://arxiv.org/abs/2208.06677
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Adan(BaseOptimizer):
    r"""Nesterov momentum estimated from gradient differences, without extra gradient evaluations.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        d_t = \beta_2 d_{t-1} + (1-\beta_2)(g_t - g_{t-1}), \\
        n_t = \beta_3 n_{t-1} + (1-\beta_3)\,[g_t + \beta_2 (g_t - g_{t-1})]^2, \quad
        u_t = \frac{m_t / (1-\beta_1^t) + \beta_2\, d_t / (1-\beta_2^t)}{\sqrt{n_t / (1-\beta_3^t)} + \epsilon}, \\
        \theta_t = (1 + \eta\lambda)^{-1}\,(\theta_{t-1} - \eta\, u_t)

    (Algorithm 1, with the betas of the authors' code: :math:`\beta_i` here is :math:`1-\beta_i` of the
    paper.) The moments start at zero with bias corrections and :math:`g_0 = g_1` as in the authors' code
    (the paper's :math:`m_0 = g_0` needs a gradient before the first step). Later-joining parameters use
    the group clock and :math:`g_{t-1} = 0`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2, \beta_3)`.
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled decay :math:`\theta(1-\eta\lambda)` before the step instead of the
            paper's proximal :math:`(1+\eta\lambda)^{-1}` after it.
        max_grad_norm: clip the group's global gradient norm to this value first (0 disables); a
            non-finite norm skips the whole group's step.
        use_gc: centralize gradients (after clipping).
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_diff', 'exp_avg_sq', 'previous_grad')
    global_statistics = True  # with max_grad_norm > 0

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float, float] = (0.98, 0.92, 0.99),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        max_grad_norm: float = 0.0,
        use_gc: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas, 3),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            max_grad_norm=check_non_negative(self, 'max_grad_norm', max_grad_norm),
            use_gc=check_bool(self, 'use_gc', use_gc),
            r=check_range(self, 'r', r, 0.0, 1.0),
            adanorm=check_bool(self, 'adanorm', adanorm),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('exp_grad_norm',) if group['adanorm'] else ())

    def _prepare(self, group, params, grads, states):
        beta1, beta2, beta3 = group['betas']
        step, lr, wd = group['step'], group['lr'], group['weight_decay']
        bias_correction1 = self.bias_correction(beta1, step)
        bias_correction3_sqrt = math.sqrt(self.bias_correction(beta3, step))
        # proximal decay as a decay first: (theta - eta u) / (1 + eta wd) = theta / (1 + eta wd) - eta u / (1 + eta wd)
        shrink = 1.0 if group['weight_decouple'] else 1.0 / (1.0 + lr * wd)
        shared = {
            'first': step == 1,
            # (m / c1 + w d) / (sqrt(v) / c3 + eps) = (c3 / c1) (m + c1 w d) / (sqrt(v) + c3 eps): no division by c3
            'step_size': -lr * shrink * bias_correction3_sqrt / bias_correction1,
            'diff_weight': beta2 / self.bias_correction(beta2, step) * bias_correction1,
            'denom_eps': group['eps'] * bias_correction3_sqrt,
            'decay': 1.0 - lr * wd if group['weight_decouple'] else shrink,
        }
        if group['max_grad_norm'] > 0.0:
            norm = F.global_norm(grads)
            clip = (group['max_grad_norm'] / (norm + group['eps'])).clamp(max=1.0)
            grads[:] = torch._foreach_mul(grads, clip)  # copies; p.grad untouched
            shared['finite'] = torch.isfinite(norm)
        return shared

    def _update(self, group, params, grads, *, first, step_size, diff_weight, denom_eps, decay, finite=None, **states):
        exp_avg, exp_avg_diff, exp_avg_sq, previous_grad = (states[key] for key in self.state_keys)
        beta1, beta2, beta3 = group['betas']
        flag = None if finite is None else F.host_flag(finite)  # on CPU a non-finite clipped step is skipped
        if flag is False:
            return
        masked = finite is not None and flag is None  # elsewhere (and compiled) it is undone by a mask
        if masked:
            tensors = [t for key in self.state_keys_for(group) for t in states[key]]
            before = F.snapshot(params + tensors)
        if group['use_gc']:
            grads = F.centralize_gradients(grads)
        if first:
            F.copy_(previous_grad, grads)
        diff = torch._foreach_sub(grads, previous_grad)
        moment_grads = F.adanorm_grads(grads, states['exp_grad_norm'], group['r']) if group['adanorm'] else grads
        torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        torch._foreach_lerp_(exp_avg_diff, diff, 1.0 - beta2)
        # g + beta2 (g - g_prev) = lerp(g_prev, g, 1 + beta2), in previous_grad (dead until it takes g below)
        torch._foreach_lerp_(previous_grad, grads, 1.0 + beta2)
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta3, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, previous_grad, previous_grad, value=1.0 - beta3)
        denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_add_(denom, denom_eps)
        if isinstance(diff_weight, torch.Tensor):  # fused path: alpha= takes no tensor
            update = torch._foreach_add(exp_avg, torch._foreach_mul(exp_avg_diff, diff_weight))
        else:
            update = torch._foreach_add(exp_avg, exp_avg_diff, alpha=diff_weight)
        if group['weight_decay'] > 0.0:
            torch._foreach_mul_(params, F.cpu_scalar(decay, params[0]))
        F.addcdiv_scaled_(params, update, denom, step_size)
        F.copy_(previous_grad, grads)
        if masked:
            F.undo_unless_(params + tensors, before, finite)
