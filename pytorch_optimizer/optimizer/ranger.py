"""Ranger: RAdam + Lookahead + gradient centralization in one optimizer.

References: Wright, "Ranger - a synergistic optimizer", 2019, https://github.com/lessw2020/Ranger-Deep-Learning-Optimizer;
Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020, https://arxiv.org/abs/1908.03265;
Zhang et al., "Lookahead Optimizer: k steps forward, 1 step back", NeurIPS 2019, https://arxiv.org/abs/1907.08610;
Yong et al., "Gradient Centralization", ECCV 2020, https://arxiv.org/abs/2004.01461
"""

from __future__ import annotations

import math

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


@register_optimizer
class Ranger(BaseOptimizer):
    r"""RAdam steps on fast weights, pulled to slow weights every ``k`` steps; centralized gradients.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \theta_t = \theta_{t-1} - \frac{\eta\, r_t \sqrt{1-\beta_2^t}}{1-\beta_1^t}\,\frac{m_t}{\sqrt{v_t} + \epsilon}
        \ \ (\rho_t \ge \text{n\_sma\_threshold}), \quad
        \phi \leftarrow \phi + \alpha(\theta_t - \phi),\ \theta_t \leftarrow \phi \ \ (k \mid t)

    with RAdam's :math:`r_t, \rho_t` (:func:`~pytorch_optimizer.base.functional.rectification`); before the threshold
    the step is :math:`\eta\, m_t / (1-\beta_1^t)` with ``degenerated_to_sgd``, else none. The denominator is RAdam's
    official one (:math:`\epsilon` outside the bias correction), so Ranger without GC equals
    ``Lookahead(torch.optim.RAdam(...), k, alpha)``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        alpha: Lookahead's slow step :math:`\alpha`.
        k: Lookahead's synchronization period.
        n_sma_threshold: :math:`\rho_t` from which the rectified adaptive step is used.
        degenerated_to_sgd: before that, take an SGD-with-momentum step (else no step).
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        use_gc: centralize gradients (before weight decay).
        gc_conv_only: centralize only convolution kernels (more than three dimensions).
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not bias-correct the first moment's step size.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_sq', 'slow_buffer')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.95, 0.999),
        alpha: float = 0.5,
        k: int = 6,
        n_sma_threshold: int = 5,
        degenerated_to_sgd: bool = False,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        use_gc: bool = True,
        gc_conv_only: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        eps: float = 1e-5,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('degenerated_to_sgd', 'weight_decouple', 'fixed_decay', 'use_gc', 'gc_conv_only', 'adanorm')
        values = (degenerated_to_sgd, weight_decouple, fixed_decay, use_gc, gc_conv_only, adanorm)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            adam_debias=check_bool(self, 'adam_debias', adam_debias),
            alpha=check_range(self, 'alpha', alpha, 0.0, 1.0, high_inclusive=True),
            k=check_positive_int(self, 'k', k),
            n_sma_threshold=check_positive_int(self, 'n_sma_threshold', n_sma_threshold),
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
        if 'slow_buffer' in keys:
            state['slow_buffer'] = param.detach().clone()
        return state

    def _prepare(self, group, params, grads, states):
        beta1, beta2 = group['betas']
        step, lr = group['step'], group['lr']
        step_size = lr if group['adam_debias'] else lr / self.bias_correction(beta1, step)
        r_t, adaptive = F.rectification(beta2, step, group['n_sma_threshold'], group['degenerated_to_sgd'])
        if adaptive:  # RAdam's official denominator: eps outside the bias correction
            step_size = step_size * r_t * math.sqrt(self.bias_correction(beta2, step))
        return {'lr': lr, 'step_size': step_size, 'adaptive': adaptive, 'lookahead': step % group['k'] == 0}

    def _update(self, group, params, grads, *, lr, step_size, adaptive, lookahead, **states):
        exp_avg, exp_avg_sq, slow_buffer = (states[key] for key in self.state_keys)
        beta1, beta2 = group['betas']
        if group['use_gc']:  # centered copies in buffers kept between steps (the gradients are the user's)
            grads = F.centralize_gradients(grads, group['gc_conv_only'], out=self.scratch(grads, 'centered'))
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        moment_grads = F.adanorm_grads(grads, states['exp_grad_norm'], group['r']) if group['adanorm'] else grads
        torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
        if adaptive:
            denom = self.into('denom', torch.sqrt, exp_avg_sq)
            torch._foreach_add_(denom, group['eps'])
            F.addcdiv_scaled_(params, exp_avg, denom, -step_size)
        elif group['degenerated_to_sgd']:  # the momentum step while rho_t is below the threshold (else none)
            F.add_scaled_(params, exp_avg, -step_size)
        if lookahead:
            torch._foreach_lerp_(slow_buffer, params, group['alpha'])
            F.copy_(params, slow_buffer)
