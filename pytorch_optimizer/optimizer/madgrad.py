"""MADGRAD: momentumized, adaptive, dual averaged gradient.

Reference: Defazio & Jelassi, "Adaptivity without Compromise: A Momentumized, Adaptive, Dual Averaged
Gradient Method for Stochastic Optimization", JMLR 2022. https://arxiv.org/abs/2101.11075
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from pytorch_optimizer.base.functional import add_scaled_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


def _add_scaled_square_(tensors: list[Tensor], others: list[Tensor], alpha: float | Tensor) -> None:
    """``tensors += alpha * others**2`` in place, ``alpha`` a float (eager) or a 0-d tensor (fused path)."""
    if isinstance(alpha, Tensor):
        torch._foreach_addcmul_(tensors, torch._foreach_mul(others, alpha), others)
    else:
        torch._foreach_addcmul_(tensors, others, others, value=alpha)


@register_optimizer
class MADGRAD(BaseOptimizer):
    r"""Dual averaging with a cube-root AdaGrad denominator and momentum by iterate averaging.

    With :math:`\lambda_t = \eta\sqrt{t}` and :math:`c = 1 - \text{momentum}`:

    .. math::
        s_t = s_{t-1} + \lambda_t g_t, \quad \nu_t = \nu_{t-1} + \lambda_t g_t^2, \quad
        z_t = \theta_0 - \frac{s_t}{\sqrt[3]{\nu_t} + \epsilon}, \quad
        \theta_t = (1 - c)\,\theta_{t-1} + c\, z_t

    (Algorithm 1.) Without momentum :math:`\theta_0` is not stored: it is recovered as
    :math:`\theta_{t-1} + s_{t-1} / (\sqrt[3]{\nu_{t-1}} + \epsilon)`, as in the authors' code. The
    authors' code adds :math:`\epsilon` to :math:`\eta`; the paper's :math:`\lambda_t = \eta\sqrt{t}` is used.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        momentum: momentum :math:`1 - c` in [0, 1).
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled decay :math:`\theta(1-\eta\lambda)` instead of L2 added to the gradient.
        eps: :math:`\epsilon` added to the cube root.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('grad_sum_sq', 's')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        eps: float = 1e-6,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('x0',) if group['momentum'] > 0.0 else ())

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'x0' in keys:
            state['x0'] = param.detach().clone()
        return state

    def _prepare(self, group, params, grads, states):
        return {'lr': group['lr'], 'lamb': group['lr'] * math.sqrt(group['step'])}

    def _update(self, group, params, grads, grad_sum_sq, s, x0=None, *, lr, lamb):
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        if x0 is None:  # theta becomes x0 = theta + s / rms until the step ends: no temporary
            rms = torch._foreach_pow(grad_sum_sq, 1.0 / 3.0)
            torch._foreach_add_(rms, group['eps'])
            torch._foreach_addcdiv_(params, s, rms)
        _add_scaled_square_(grad_sum_sq, grads, lamb)
        rms = torch._foreach_pow(grad_sum_sq, 1.0 / 3.0)
        torch._foreach_add_(rms, group['eps'])
        add_scaled_(s, grads, lamb)
        if x0 is None:  # theta = z
            torch._foreach_addcdiv_(params, s, rms, value=-1.0)
        else:  # (1 - c) theta + c (x0 - s / rms), no temporary
            torch._foreach_lerp_(params, x0, 1.0 - group['momentum'])
            torch._foreach_addcdiv_(params, s, rms, value=group['momentum'] - 1.0)
