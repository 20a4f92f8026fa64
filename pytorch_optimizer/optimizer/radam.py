"""RAdam: Adam with a rectified variance of the adaptive learning rate.

Reference: Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020.
https://arxiv.org/abs/1908.03265
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
class RAdam(BaseOptimizer):
    r"""Adam whose adaptive step is rectified while the variance of :math:`v_t` is intractable.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t} \begin{cases}
            r_t \frac{\sqrt{1-\beta_2^t}\, m_t}{\sqrt{v_t} + \epsilon} & \rho_t \ge \rho_{\min} \\
            m_t \ \text{(or no step without } \texttt{degenerated\_to\_sgd}\text{)} & \text{otherwise}
        \end{cases}

    with :math:`\rho_t, r_t` of :func:`~pytorch_optimizer.base.functional.rectification` and
    :math:`\rho_{\min}` = ``n_sma_threshold``. :math:`\epsilon` is added to :math:`\sqrt{v_t}` as in the
    authors' code; with ``degenerated_to_sgd=True`` (and ``weight_decouple=False``, or
    ``decoupled_weight_decay=True`` there) the trajectory equals ``torch.optim.RAdam``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        n_sma_threshold: :math:`\rho_{\min}`, from which the rectified adaptive step is used.
        degenerated_to_sgd: before that, take an un-preconditioned momentum step (else no step).
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not divide the step size by :math:`1-\beta_1^t`.
        cautious: mask update coordinates whose sign disagrees with the gradient (rescaled by the kept fraction).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_sq')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        n_sma_threshold: int = 5,
        degenerated_to_sgd: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        cautious: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'degenerated_to_sgd', 'adanorm', 'adam_debias', 'cautious')
        values = (weight_decouple, fixed_decay, degenerated_to_sgd, adanorm, adam_debias, cautious)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            n_sma_threshold=check_positive_int(self, 'n_sma_threshold', n_sma_threshold),
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
        beta1, beta2 = group['betas']
        step, lr = group['step'], group['lr']
        step_size = lr if group['adam_debias'] else lr / self.bias_correction(beta1, step)
        r_t, adaptive = F.rectification(beta2, step, group['n_sma_threshold'], group['degenerated_to_sgd'])
        step_size *= r_t
        skip = step_size == 0.0
        if adaptive:
            step_size *= math.sqrt(self.bias_correction(beta2, step))
        return {'lr': lr, 'step_size': step_size, 'adaptive': adaptive, 'skip': skip}

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, exp_grad_norm=None, *, lr, step_size, adaptive, skip):
        beta1, beta2 = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        moment_grads = F.adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads
        torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)

        if skip:
            return
        if adaptive:
            denom = torch._foreach_sqrt(exp_avg_sq)
            torch._foreach_add_(denom, group['eps'])
        F.adaptive_step_(params, grads, exp_avg, denom if adaptive else None, step_size, group['cautious'])
