"""diffGrad: Adam damped by the change of the gradient.

Reference: Dubey et al., "diffGrad: An Optimization Method for Convolutional Neural Networks", IEEE TNNLS 2019.
https://arxiv.org/abs/1909.11015
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base import validation as V
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.registry import register_optimizer


@register_optimizer(variants={'diffrgrad': {'rectify': True}})
class DiffGrad(BaseOptimizer):
    r"""Adam whose step is scaled per coordinate by a friction coefficient of the gradient change.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \xi_t = \mathrm{sigmoid}(|g_{t-1} - g_t|), \\
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t} \frac{\xi_t \odot m_t}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}

    with :math:`g_0 = 0`. With ``rectify`` (variant ``diffrgrad``) the step is multiplied by RAdam's :math:`r_t`
    and, while :math:`\rho_t <` ``n_sma_threshold``, is the momentum step :math:`m_t` without friction (or none).
    The older library skipped :math:`\xi_t` without ``rectify``; the paper applies it always. :math:`\epsilon`
    is added to the bias-corrected root as in the paper (the authors' code adds it to :math:`\sqrt{v_t}`).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        rectify: RAdam rectification (variant ``diffrgrad``).
        n_sma_threshold: :math:`\rho_t` from which the rectified adaptive step is used.
        degenerated_to_sgd: before that, take a momentum step (else no step).
        ams_bound: use the running maximum of :math:`v_t` (AMSGrad).
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
    state_keys = ('exp_avg', 'exp_avg_sq', 'previous_grad')

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
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        values = locals()
        flags = ('weight_decouple', 'fixed_decay', 'rectify', 'degenerated_to_sgd', 'ams_bound', 'adanorm')
        defaults = {name: V.check_bool(self, name, values[name]) for name in flags + ('adam_debias', 'cautious')}
        defaults.update(
            lr=V.check_lr(self, lr),
            betas=V.check_betas(self, betas),
            weight_decay=V.check_non_negative(self, 'weight_decay', weight_decay),
            n_sma_threshold=V.check_positive_int(self, 'n_sma_threshold', n_sma_threshold),
            r=V.check_range(self, 'r', r, 0.0, 1.0),
            eps=V.check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        extra = (('max_exp_avg_sq',) if group['ams_bound'] else ()) + (('exp_grad_norm',) if group['adanorm'] else ())
        return self.state_keys + extra

    def _prepare(self, group, params, grads, states):
        return F.adam_step_scalars(group)

    def _update(
        self,
        group,
        params,
        grads,
        exp_avg,
        exp_avg_sq,
        previous_grad,
        max_exp_avg_sq=None,
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
        moment_grads = F.adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads
        torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
        if group['ams_bound']:
            torch._foreach_maximum_(max_exp_avg_sq, exp_avg_sq)
            exp_avg_sq = max_exp_avg_sq
        if skip:  # no step (rectified variance intractable, or lr = 0): only keep g_t for the next friction
            F.copy_(previous_grad, grads)
            return
        if adaptive:  # xi m / (sqrt(v)/bc2 + eps) = bc2 xi m / (sqrt(v) + bc2 eps); xi is built in g_{t-1}'s buffer
            friction = previous_grad
            torch._foreach_sub_(friction, grads)
            torch._foreach_abs_(friction)
            if torch.compiler.is_compiling():  # inductor lowers sigmoid, not _foreach_sigmoid (110 -> 20 ms, 21M)
                friction = [torch.sigmoid(f) for f in friction]
            else:
                torch._foreach_sigmoid_(friction)
            torch._foreach_mul_(friction, exp_avg)
            denom = torch._foreach_sqrt(exp_avg_sq)
            torch._foreach_add_(denom, group['eps'] * bias_correction2_sqrt)
            step_size = step_size * bias_correction2_sqrt
        numer, denom = (friction, denom) if adaptive else (exp_avg, None)
        F.adaptive_step_(params, grads, numer, denom, step_size, group['cautious'])
        F.copy_(previous_grad, grads)
