"""M-SVAG: momentum with stochastic variance-adapted gradients.

Reference: Balles & Hennig, "Dissecting Adam: The Sign, Magnitude and Variance of Stochastic
Gradients", ICML 2018. https://arxiv.org/abs/1705.07774
"""

from __future__ import annotations

import torch
from torch import Tensor

from pytorch_optimizer.base.functional import add_scaled_, cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_lr, check_range
from pytorch_optimizer.registry import register_optimizer


def _addcmul_scaled_(
    tensors: list[Tensor], others: list[Tensor], factors: list[Tensor], value: float | Tensor
) -> None:
    """``tensors += value * others * factors`` in place, ``value`` a float (eager) or a 0-d tensor (fused path)."""
    if isinstance(value, Tensor):
        torch._foreach_addcmul_(tensors, torch._foreach_mul(others, value), factors)
    else:
        torch._foreach_addcmul_(tensors, others, factors, value=value)


@register_optimizer
class MSVAG(BaseOptimizer):
    r"""Momentum-SGD whose step is shrunk per coordinate by the estimated relative gradient variance.

    .. math::
        \hat m_t = \frac{\mathrm{EMA}_\beta(g)_t}{1-\beta^t}, \quad
        \hat v_t = \frac{\mathrm{EMA}_\beta(g^2)_t}{1-\beta^t}, \quad
        \rho_t = \frac{(1-\beta)(1+\beta^t)}{(1+\beta)(1-\beta^t)}, \\
        s_t = \frac{\hat v_t - \hat m_t^2}{1-\rho_t}, \quad
        \gamma_t = \frac{\hat m_t^2}{\hat m_t^2 + \rho_t s_t}, \quad
        \theta_t = \theta_{t-1} - \eta\,\gamma_t \hat m_t

    (Algorithm 2 of the paper.) At :math:`t = 1` (and for :math:`\beta = 0`) :math:`\rho_t = 1` and the
    variance estimate is undefined: :math:`\gamma_t = 1`, a plain momentum step. :math:`\gamma_t` is
    clipped to [0, 1] against round-off. (The older library's :math:`\rho` formula differs from the
    paper's and its first step is zero; the paper's is used here.)

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        beta: moving-average coefficient :math:`\beta` of both moments.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_sq')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        beta: float = 0.9,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            beta=check_range(self, 'beta', beta, 0.0, 1.0),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        beta, step = group['beta'], group['step']
        bias_correction = self.bias_correction(beta, step)
        rho = (1.0 - beta) * (1.0 + beta**step) / ((1.0 + beta) * bias_correction)
        plain = rho >= 1.0
        variance_weight = 0.0 if plain else rho / (1.0 - rho)
        return {
            'step_size': -group['lr'] / bias_correction,
            'plain': plain,
            'v_weight': variance_weight * bias_correction,
            'm_sq_weight': 1.0 - variance_weight,
        }

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, *, step_size, plain, v_weight, m_sq_weight):
        beta = group['beta']
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta)
        torch._foreach_mul_(exp_avg_sq, cpu_scalar(beta, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta)
        if plain:
            add_scaled_(params, exp_avg, step_size)
            return
        # On the uncorrected moments m, v (bc = 1 - beta^t, c = rho / (1 - rho)), both sides times bc^2:
        # gamma = m_hat^2 / (m_hat^2 + rho s) = m^2 / ((1 - c) m^2 + c bc v): two temporaries, no division
        # by bc, and the step's 1 / bc folded into step_size.
        m_sq = torch._foreach_mul(exp_avg, exp_avg)
        denom = torch._foreach_mul(exp_avg_sq, v_weight)
        add_scaled_(denom, m_sq, m_sq_weight)
        # floored so that m = 0 gives gamma = 0 instead of 0 / 0
        torch._foreach_clamp_min_(denom, torch.finfo(params[0].dtype).tiny)
        # gamma >= 0 already (m^2 >= 0, denom > 0): only the upper clip against round-off is needed
        torch._foreach_div_(m_sq, denom)
        torch._foreach_clamp_max_(m_sq, 1.0)
        _addcmul_scaled_(params, m_sq, exp_avg, step_size)
