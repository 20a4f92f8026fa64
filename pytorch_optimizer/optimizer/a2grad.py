"""A2Grad: optimal adaptive and accelerated stochastic gradient descent.

Reference: Deng, Cheng & Lan, "Optimal Adaptive and Accelerated Stochastic Gradient Descent", arXiv 2018.
https://arxiv.org/abs/1810.00553
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_choice, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class A2Grad(BaseOptimizer):
    r"""Nesterov-accelerated SGD whose step is scaled by a per-tensor adaptive gradient-deviation sum.

    With :math:`k` = group step - 1, :math:`\alpha_k = 2/(k+2)`, :math:`\gamma_k = 2L/(k+1)`,
    :math:`\bar g_k = \frac{1}{k+1}\sum_{i \le k} g_i` and :math:`\delta_k = \lVert g_k - \bar g_k \rVert^2`
    (per tensor):

    .. math::
        \text{uni: } v_k = v_{k-1} + \delta_k,\ h_k = \sqrt{v_k}; \quad
        \text{inc: } v_k = \tfrac{k^2}{(k+1)^2} v_{k-1} + \delta_k,\ h_k = \sqrt{v_k}; \\
        \text{exp: } \tilde v_k = \rho \tilde v_{k-1} + (1-\rho)\delta_k\ (\tilde v_0 = \delta_0),\
        v_k = \max(\tilde v_k, v_{k-1}),\ h_k = \sqrt{(k+1) v_k}; \\
        x_{k+1} = x_k - \frac{g_k}{\gamma_k + \beta h_k}, \quad
        \theta_{k+1} = (1-\alpha_{k+1})\theta_k + \alpha_{k+1} x_{k+1}
            - \frac{(1-\alpha_{k+1})\alpha_k}{\gamma_k + \beta h_k} g_k

    with :math:`x_0 = \theta_0` (the practical form of the official code). The older library scaled
    'inc' by :math:`\sqrt{k+1}` too and weighted the running mean by :math:`k+1` instead of
    :math:`1/(k+1)`; this follows the paper's variants.

    Args:
        params: parameters or parameter groups.
        lr: unused (A2Grad has no learning rate); accepted so schedulers and factories work.
        beta: :math:`\beta`, weight of the adaptive term.
        lips: :math:`L`, the Lipschitz-constant estimate.
        rho: :math:`\rho`, the EMA coefficient of the 'exp' variant.
        variant: 'uni' (uniform), 'inc' (incremental) or 'exp' (exponential) moving average.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('avg_grad', 'x_k', 'v_k')
    scalar_state_keys = frozenset({'v_k', 'v_kk'})
    supports_fsdp = False  # per-tensor norms become Partial DTensors that torch 2.13's foreach ops reject

    def __init__(
        self,
        params: Params,
        lr: float | None = None,
        beta: float = 10.0,
        lips: float = 10.0,
        rho: float = 0.5,
        variant: str = 'uni',
        *,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr, allow_none=True),
            beta=check_non_negative(self, 'beta', beta),
            lips=check_non_negative(self, 'lips', lips),
            rho=check_range(self, 'rho', rho, 0.0, 1.0, high_inclusive=True),
            variant=check_choice(self, 'variant', variant, ('uni', 'inc', 'exp')),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('v_kk',) if group['variant'] == 'exp' else ())

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'x_k' in state:
            state['x_k'] = param.clone()
        return state

    def _update(self, group, params, grads, avg_grad, x_k, v_k, v_kk=None):
        k, variant = group['step'] - 1, group['variant']
        gamma, alpha_k, alpha_next = 2.0 * group['lips'] / (k + 1), 2.0 / (k + 2), 2.0 / (k + 3)
        torch._foreach_mul_(avg_grad, float(k))
        torch._foreach_add_(avg_grad, grads)
        torch._foreach_div_(avg_grad, float(k + 1))
        deviation = torch._foreach_norm(torch._foreach_sub(grads, avg_grad))
        torch._foreach_mul_(deviation, deviation)
        if variant == 'exp':
            torch._foreach_lerp_(v_kk, deviation, 1.0 if k == 0 else 1.0 - group['rho'])
            torch._foreach_maximum_(v_k, v_kk)
        else:
            if variant == 'inc':
                torch._foreach_mul_(v_k, (k / (k + 1)) ** 2)
            torch._foreach_add_(v_k, deviation)
        h_k = torch._foreach_mul(v_k, float(k + 1)) if variant == 'exp' else v_k
        h_k = torch._foreach_sqrt(h_k)
        torch._foreach_mul_(h_k, group['beta'])
        torch._foreach_add_(h_k, gamma)
        step = torch._foreach_div(grads, h_k)  # g_k / (gamma_k + beta h_k)
        torch._foreach_sub_(x_k, step)
        torch._foreach_mul_(params, 1.0 - alpha_next)
        torch._foreach_add_(params, x_k, alpha=alpha_next)
        torch._foreach_add_(params, step, alpha=-(1.0 - alpha_next) * alpha_k)
