"""M-SVAG: momentum with stochastic variance-adapted gradients.

Reference: Balles & Hennig, "Dissecting Adam: The Sign, Magnitude and Variance of Stochastic
Gradients", ICML 2018. https://arxiv.org/abs/1705.07774
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_lr, check_range
from pytorch_optimizer.registry import register_optimizer


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
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr), beta=check_range(self, 'beta', beta, 0.0, 1.0), maximize=maximize, foreach=foreach
        )
        super().__init__(params, defaults)

    def _update(self, group, params, grads, exp_avg, exp_avg_sq):
        beta, step = group['beta'], group['step']
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta)
        torch._foreach_mul_(exp_avg_sq, beta)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta)
        bias_correction = self.bias_correction(beta, step)
        m_hat = torch._foreach_div(exp_avg, bias_correction)
        rho = (1.0 - beta) * (1.0 + beta**step) / ((1.0 + beta) * bias_correction)
        if rho >= 1.0:
            torch._foreach_add_(params, m_hat, alpha=-group['lr'])
            return
        m_sq = torch._foreach_mul(m_hat, m_hat)
        var = torch._foreach_div(exp_avg_sq, bias_correction)
        torch._foreach_sub_(var, m_sq)
        # m^2 + rho * s, floored so that m = 0 gives gamma = 0 instead of 0 / 0
        denom = torch._foreach_mul(var, rho / (1.0 - rho))
        torch._foreach_add_(denom, m_sq)
        torch._foreach_clamp_min_(denom, torch.finfo(params[0].dtype).tiny)
        gamma = torch._foreach_div(m_sq, denom)
        torch._foreach_clamp_min_(gamma, 0.0)
        torch._foreach_clamp_max_(gamma, 1.0)
        torch._foreach_mul_(m_hat, gamma)
        torch._foreach_add_(params, m_hat, alpha=-group['lr'])
