"""LAMB: layer-wise adaptive moments for large-batch training.

Reference: You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020.
https://arxiv.org/abs/1904.00962
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
from pytorch_optimizer.optimizer._lamb_direction import scaled_direction
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Lamb(BaseOptimizer):
    r"""Adam direction plus decay, rescaled per tensor by the trust ratio :math:`\lVert\theta\rVert/\lVert u\rVert`.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        u_t = \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon} + \lambda\theta_{t-1}, \\
        \theta_t = \theta_{t-1} - \eta \frac{\lVert\theta_{t-1}\rVert}{\lVert u_t\rVert} u_t

    per tensor (Algorithm 2 with :math:`\phi` the identity, where the older library clamped :math:`\lVert\theta\rVert`
    at 10; the ratio is 1 where either norm is 0). A non-finite gradient anywhere in the group skips the group's
    step (parameters unchanged; the moments see a zero gradient).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: :math:`\lambda`.
        weight_decouple: :math:`\lambda\theta` inside :math:`u_t` (the paper's); else L2 added to the gradient.
        fixed_decay: decay by :math:`\theta \leftarrow (1-\lambda)\theta` outside the trust ratio instead.
        rectify: multiply the adaptive direction by RAdam's :math:`r_t` (RaLamb).
        degenerated_to_sgd: while :math:`\rho_t <` ``n_sma_threshold``, use :math:`m_t/(1-\beta_1^t)` (else no step).
        n_sma_threshold: :math:`\rho_t` from which the rectified adaptive direction is used.
        grad_averaging: :math:`m_t` averages :math:`(1-\beta_1) g_t`; else accumulates :math:`g_t`.
        max_grad_norm: global clipping norm used with ``pre_norm`` (0 disables).
        adam: trust ratio 1 (Adam with the decay inside the update), for comparisons.
        pre_norm: first clip the gradients to the group's norm ``max_grad_norm``,
            :math:`g \leftarrow g \min(1, \texttt{max\_grad\_norm} / (\lVert g\rVert + \epsilon))`.
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not divide :math:`m_t` by :math:`1-\beta_1^t`.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 'exp_avg_sq')
    global_statistics = True

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
        degenerated_to_sgd: bool = False,
        n_sma_threshold: int = 5,
        grad_averaging: bool = True,
        max_grad_norm: float = 1.0,
        adam: bool = False,
        pre_norm: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        eps: float = 1e-6,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        values = locals()
        flags = ('weight_decouple', 'fixed_decay', 'rectify', 'degenerated_to_sgd', 'grad_averaging', 'adam')
        defaults = {k: check_bool(self, k, values[k]) for k in flags + ('pre_norm', 'adanorm', 'adam_debias')}
        defaults.update({k: check_non_negative(self, k, values[k]) for k in ('weight_decay', 'max_grad_norm', 'eps')})
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            n_sma_threshold=check_positive_int(self, 'n_sma_threshold', n_sma_threshold),
            r=check_range(self, 'r', r, 0.0, 1.0),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('exp_grad_norm',) if group['adanorm'] else ())

    def _prepare(self, group, params, grads, states):
        norm = F.global_norm(grads)
        ok, clip = torch.isfinite(norm), None
        if group['pre_norm'] and group['max_grad_norm'] > 0.0:  # 0 for a non-finite norm, whose step is skipped
            clip = torch.where(ok, torch.clamp(group['max_grad_norm'] / (norm + group['eps']), max=1.0), 0.0)
        return {'clip': clip, 'ok': ok}

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, exp_grad_norm=None, *, clip, ok):
        beta1, beta2 = group['betas']
        wd = group['weight_decay']
        grads = F.zero_unless(ok, grads)  # the gradients themselves: never written into
        if clip is not None:
            grads = self.into('grads', torch.mul, grads, clip)
        if not group['weight_decouple'] and wd > 0.0:
            grads = self.into('grads', torch.add, grads, params, alpha=wd)
        moment_grads = F.adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads
        if group['grad_averaging']:
            torch._foreach_lerp_(exp_avg, moment_grads, 1.0 - beta1)
        else:
            torch._foreach_mul_(exp_avg, beta1)
            torch._foreach_add_(exp_avg, moment_grads)
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)

        # the update is u = c * q, with q built in one scratch buffer and the scalar c folded into the step
        if (direction := scaled_direction(self, group, params, exp_avg, exp_avg_sq)) is None:
            return
        c, q = direction
        if group['weight_decouple'] and wd > 0.0:
            if group['fixed_decay']:
                torch._foreach_mul_(params, 1.0 - ok.to(params[0].dtype) * wd)
            else:
                torch._foreach_add_(q, params, alpha=wd / c)

        # trust ratios of the whole batch as one vector: a handful of kernels, not a few per parameter
        step_size = ok.to(params[0].dtype) * (-group['lr'] * c)
        if group['adam']:
            step_sizes = [step_size] * len(params)
        else:
            w, u = torch.stack(torch._foreach_norm(params)), torch.stack(torch._foreach_norm(q)) * c
            step_sizes = (step_size * torch.where((w > 0) & (u > 0), w / u, 1.0)).unbind()
        torch._foreach_addcmul_(params, q, list(step_sizes))
