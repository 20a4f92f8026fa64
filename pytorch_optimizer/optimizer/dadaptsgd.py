"""D-Adaptation SGD: learning-rate-free SGD (dual averaging with momentum as averaging).

Reference: Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023.
https://arxiv.org/abs/2301.07733 (official code: https://github.com/facebookresearch/dadaptation)
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.functional import all_finite, group_scalars, host_flag, ordered_sum, zero_unless
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class DAdaptSGD(BaseOptimizer):
    r"""SGD (dual averaging) whose step size :math:`d_k` is a running lower bound on the distance to the solution.

    .. math::
        \gamma_k = \frac{d_k \eta}{\lVert g_0 \rVert}, \quad
        r_k = r_{k-1} + \gamma_k \langle g_k, s_{k-1} \rangle, \quad s_k = s_{k-1} + \gamma_k g_k, \quad
        z_k = \theta_0 - s_k, \\
        \theta_k = \mu\,\theta_{k-1} + (1-\mu) z_k, \quad
        d_{k+1} = \max\Big(d_k, \min\big(\tfrac{2 r_k}{\lVert s_k \rVert_2}, \rho\, d_k\big)\Big)

    with :math:`\mu` the momentum and :math:`\rho` the growth rate. The sums run over the whole parameter
    group and live as 0-d tensors in the group (``d``, ``numerator_weighted``, ``g0_norm``): no host sync.
    :math:`\lVert g_0\rVert` is taken at the first step with a non-zero finite gradient. A non-finite gradient
    anywhere skips the step (masked). Deviation from the official code: its coupled weight decay is skipped
    in :math:`\lVert g_0\rVert` (an out-of-place add); here it is included.

    Args:
        params: parameters or parameter groups.
        lr: multiplier :math:`\eta` of the adapted step size (leave at 1).
        momentum: :math:`\mu` (averaging weight of the previous iterate).
        d0: initial estimate :math:`d_0`.
        growth_rate: bound :math:`\rho` on the growth of :math:`d` per step (``inf``: unbounded).
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled decay :math:`\theta(1-\lambda\gamma_k)` instead of L2 added to the gradient.
        fixed_decay: decoupled decay by :math:`\lambda` instead of :math:`\lambda\gamma_k`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('s', 'x0')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        momentum: float = 0.9,
        d0: float = 1e-6,
        growth_rate: float = math.inf,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            d0=check_range(self, 'd0', d0, 0.0, math.inf, low_inclusive=False),
            growth_rate=check_range(self, 'growth_rate', growth_rate, 1.0, math.inf, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'x0' in keys:
            state['x0'] = param.detach().clone()
        return state

    def _prepare(self, group, params, grads, states):
        wd = group['weight_decay']
        if wd and not group['weight_decouple']:
            grads = torch._foreach_add(grads, params, alpha=wd)
        ok = all_finite(grads)
        grads = zero_unless(ok, grads)
        d, numerator, g0_norm = group_scalars(group, params[0], d=group['d0'], numerator_weighted=0.0, g0_norm=0.0)
        okf = ok.to(d.dtype)
        n = range(len(params))
        if not host_flag(g0_norm > 0):  # ||g_0|| is still to be taken (on CPU the pass is skipped once it is)
            g_norm = ordered_sum(torch._foreach_pow(torch._foreach_norm(grads), 2), d.dtype).sqrt()
            g0_norm = torch.where(g0_norm > 0, g0_norm, g_norm)
        dlr = torch.where(g0_norm > 0, okf * d * group['lr'] / g0_norm, 0.0)
        dots, squares = {}, {}
        for idx in self._batches(group, params):
            g, s = [grads[i] for i in idx], [states[i]['s'] for i in idx]
            dots.update(zip(idx, F.dots(g, s)))
            torch._foreach_addcmul_(s, g, [dlr] * len(g))
            squares.update(zip(idx, torch._foreach_pow(torch._foreach_norm(s), 2)))
        numerator_new = numerator + dlr * ordered_sum([dots[i] for i in n], d.dtype)
        s_norm = ordered_sum([squares[i] for i in n], d.dtype).sqrt()
        d_new = torch.maximum(d, torch.minimum(2.0 * numerator_new / s_norm, d * group['growth_rate']))
        group['d'] = torch.where(ok & (s_norm > 0) & torch.isfinite(d_new), d_new, d)
        group['numerator_weighted'] = torch.where(ok, numerator_new, numerator)
        group['g0_norm'] = g0_norm
        return {'okf': okf, 'dlr': dlr}

    def _update(self, group, params, grads, s, x0, okf, dlr):
        if group['weight_decay'] and group['weight_decouple']:
            torch._foreach_mul_(params, 1.0 - group['weight_decay'] * (okf if group['fixed_decay'] else dlr))
        weight = okf * (1.0 - group['momentum'])  # theta <- theta + w (x0 - s - theta), w = 0 when skipped
        torch._foreach_lerp_(params, x0, [weight] * len(params))
        torch._foreach_addcmul_(params, s, [-weight] * len(params))
