"""Amos: Adam-style scaling with adaptive weight decay towards a model-oriented scale.

Reference: Tian & Parikh, "Amos: An Adam-style Optimizer with Adaptive Weight Decay towards
Model-Oriented Scale", arXiv 2022. https://arxiv.org/abs/2210.11693
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


def expected_scale(p: Tensor) -> float:
    r""":math:`\tilde\eta`, the expected scale of a tensor's entries (the older library's rule).

    0.5 for scalars and vectors (biases), :math:`\sqrt{2 / \text{fan-in}}` for matrices,
    :math:`\sqrt{1 / \text{in-channels}}` for higher-dimensional kernels.
    """
    if p.dim() <= 1:
        return 0.5
    return math.sqrt((2.0 if p.dim() == 2 else 1.0) / p.size(1))


@register_optimizer
class Amos(BaseOptimizer):
    r"""Adam-style steps plus an adaptive decay :math:`b_t` that shrinks both the step and the weights.

    With :math:`\xi` the learning rate, :math:`\tilde\eta` the expected scale of the tensor
    (:func:`expected_scale`) and per-tensor scalars :math:`v, b`:

    .. math::
        v_t = \beta v_{t-1} + (1-\beta)\,\overline{g_t^2}, \quad
        r_t = \frac{1-\beta^t}{\max(v_t, \epsilon)}, \quad
        \gamma_t = \frac{\xi^2 r_t \overline{g_t^2}}{\sqrt{1 + c\sqrt{\xi}\, b_{t-1}}}, \\
        \Delta_t = \frac{-\xi\tilde\eta\sqrt{r_t}\, g_t - (\gamma_t / 2 + \lambda_2)\,\theta_{t-1}}
        {1 + d\sqrt{\xi\tilde\eta}\, b_{t-1}}, \quad
        b_t = b_{t-1} + \gamma_t (1 + b_{t-1}), \quad \theta_t = \theta_{t-1} + \Delta_t

    (:math:`\overline{\cdot}` is the mean over the tensor, a valid ``shape_fn`` of the authors' code.) With
    ``momentum`` the step is an un-debiased EMA of :math:`\Delta_t`.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\xi` (about :math:`1/\sqrt{N}` for N independent batches).
        beta: :math:`\beta`; :math:`1-\beta` of the order of the learning rate.
        momentum: EMA coefficient of the updates (0 disables).
        extra_l2: :math:`\lambda_2`, an additional L2 regularization.
        c_coef: :math:`c`, the learning-rate decay coefficient.
        d_coef: :math:`d`, the step decay coefficient.
        eps: :math:`\epsilon`, the floor of :math:`v_t`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg_sq', 'decay')
    scalar_state_keys = frozenset({'exp_avg_sq', 'decay'})
    supports_fsdp = False  # its scalar state is a Partial DTensor that torch 2.13's foreach ops reject

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        beta: float = 0.999,
        momentum: float = 0.0,
        extra_l2: float = 0.0,
        c_coef: float = 0.25,
        d_coef: float = 0.25,
        *,
        eps: float = 1e-18,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            beta=check_range(self, 'beta', beta, 0.0, 1.0),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            extra_l2=check_non_negative(self, 'extra_l2', extra_l2),
            c_coef=check_non_negative(self, 'c_coef', c_coef),
            d_coef=check_non_negative(self, 'd_coef', d_coef),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('exp_avg',) if group['momentum'] > 0.0 else ())

    def _update(self, group, params, grads, exp_avg_sq, decay, exp_avg=None):
        lr, beta = group['lr'], group['beta']
        g2 = F.dots(grads, grads)  # mean of g^2, no temporary
        torch._foreach_div_(g2, [float(max(g.numel(), 1)) for g in grads])
        torch._foreach_lerp_(exp_avg_sq, g2, 1.0 - beta)
        r_v = torch._foreach_clamp_min(exp_avg_sq, group['eps'])
        torch._foreach_reciprocal_(r_v)
        torch._foreach_mul_(r_v, self.bias_correction(beta, group['step']))
        factor_c = torch._foreach_mul(decay, group['c_coef'] * math.sqrt(lr))
        torch._foreach_add_(factor_c, 1.0)
        torch._foreach_rsqrt_(factor_c)
        gamma = torch._foreach_mul(r_v, g2)
        torch._foreach_mul_(gamma, factor_c)
        torch._foreach_mul_(gamma, lr * lr)
        init_lr = [lr * expected_scale(p) for p in params]
        factor_d = torch._foreach_mul(decay, [group['d_coef'] * math.sqrt(a) for a in init_lr])
        torch._foreach_add_(factor_d, 1.0)
        torch._foreach_reciprocal_(factor_d)
        torch._foreach_sqrt_(r_v)
        torch._foreach_mul_(r_v, [-a for a in init_lr])
        if grads[0].device.type == 'cpu':  # into buffers reused between steps (no page faults)
            update = [torch.mul(g, r, out=u) for g, r, u in zip(grads, r_v, self.scratch(grads, 'update'))]
        else:
            update = torch._foreach_mul(grads, r_v)
        shrink = torch._foreach_mul(gamma, -0.5)
        torch._foreach_sub_(shrink, group['extra_l2'])
        torch._foreach_addcmul_(update, params, shrink)
        torch._foreach_mul_(update, factor_d)
        torch._foreach_addcmul_(decay, gamma, torch._foreach_add(decay, 1.0))
        if exp_avg is not None:
            torch._foreach_lerp_(exp_avg, update, 1.0 - group['momentum'])
            update = exp_avg
        torch._foreach_add_(params, update)
