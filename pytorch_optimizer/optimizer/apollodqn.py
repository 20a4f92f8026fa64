"""Apollo: an adaptive parameter-wise diagonal quasi-Newton method.

Reference: Ma, "Apollo: An Adaptive Parameter-wise Diagonal Quasi-Newton Method for Nonconvex Stochastic
Optimization", arXiv 2020. https://arxiv.org/abs/2009.13586
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.functional import max_abs
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import (
    check_choice,
    check_lr,
    check_non_negative,
    check_positive_int,
    check_range,
)
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class ApolloDQN(BaseOptimizer):
    r"""Diagonal quasi-Newton steps whose Hessian approximation follows a weak secant condition.

    With :math:`\alpha_t = (1-\beta)/(1-\beta^t)` and :math:`d_{t-1}` the previous step direction:

    .. math::
        m_t = m_{t-1} + \alpha_t (g_t - m_{t-1}), \quad y_t = m_t - m_{t-1}, \quad
        \tilde d = \frac{d_{t-1}}{\lVert d_{t-1} \rVert_4 + \epsilon}, \\
        B_t = B_{t-1} - \big(\tilde d^\top y_t / (\lVert d_{t-1}\rVert_4 + \epsilon)
        + \tilde d^{2\top} B_{t-1} \big)\,\mathrm{Diag}(\tilde d^2), \\
        D_t = \mathrm{rectify}(B_t), \quad d_t = D_t^{-1} m_t, \quad \theta_t = \theta_{t-1} - \eta_t d_t

    (Algorithm 1, with the step-size-free direction and the rectification of Sec. 3.) ``rebound='constant'``:
    :math:`D_t = \max(|B_t|, \sigma)` with :math:`\sigma = 0.01` and :math:`\epsilon / \sigma`;
    ``'belief'``: :math:`D_t = \max(|B_t|, \lVert y_t / \alpha_t \rVert_\infty) + \epsilon/\alpha_t`.
    :math:`\eta_t` warms up linearly from ``init_lr`` to ``lr`` over ``warmup_steps``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta` after warm-up.
        init_lr: learning rate at the first step.
        beta: :math:`\beta` of the gradient EMA.
        rebound: ``'constant'`` or ``'belief'`` rectification of the curvature.
        weight_decay: weight decay coefficient.
        weight_decay_type: ``'l2'`` (added to the gradient), ``'decoupled'`` (added to :math:`d_t`) or
            ``'stable'`` (added to :math:`d_t` divided by the mean of :math:`D_t`).
        warmup_steps: length of the linear warm-up.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg_grad', 'approx_hessian', 'update')
    supports_fsdp = False  # per-tensor norms become Partial DTensors that torch 2.13's foreach ops reject

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        init_lr: float = 1e-5,
        beta: float = 0.9,
        rebound: str = 'constant',
        weight_decay: float = 0.0,
        weight_decay_type: str = 'l2',
        warmup_steps: int = 500,
        *,
        eps: float = 1e-4,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            init_lr=check_lr(self, init_lr, 'init_lr'),
            beta=check_range(self, 'beta', beta, 0.0, 1.0),
            rebound=check_choice(self, 'rebound', rebound, ('constant', 'belief')),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decay_type=check_choice(
                self, 'weight_decay_type', weight_decay_type, ('l2', 'decoupled', 'stable')
            ),
            warmup_steps=check_positive_int(self, 'warmup_steps', warmup_steps, allow_zero=True),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def _update(self, group, params, grads, exp_avg_grad, approx_hessian, update):
        beta, step, wd, eps = group['beta'], group['step'], group['weight_decay'], group['eps']
        lr = group['lr']
        if step - 1 < group['warmup_steps']:
            lr = (group['lr'] - group['init_lr']) * (step - 1) / group['warmup_steps'] + group['init_lr']
        if wd > 0.0 and group['weight_decay_type'] == 'l2':
            grads = self.into('l2', torch.add, grads, params, alpha=wd)
        alpha = (1.0 - beta) / self.bias_correction(beta, step)
        delta_grad = self.into('delta', torch.sub, grads, exp_avg_grad)
        if group['rebound'] == 'belief':
            rebound = max_abs(delta_grad)
        else:
            rebound, eps = 0.01, eps / 0.01
        torch._foreach_add_(exp_avg_grad, delta_grad, alpha=alpha)
        # ||u||_4 = sqrt(||u^2||_2): CPU's 4-norm kernel is ~50x slower than squaring and a 2-norm
        v_sq = self.into('v_sq', torch.mul, update, update)
        norms = list(torch._foreach_norm(v_sq))
        torch._foreach_sqrt_(norms)
        torch._foreach_add_(norms, eps)
        torch._foreach_div_(update, norms)
        torch._foreach_div_(v_sq, torch._foreach_mul(norms, norms))  # v^2 = u^2 / denom^2
        # y = delta * v / denom: sum(y) = (delta . v) / denom, without a full-size product
        curvature = F.dots(delta_grad, update)
        torch._foreach_div_(curvature, norms)
        torch._foreach_mul_(curvature, -alpha)
        torch._foreach_sub_(curvature, F.dots(approx_hessian, v_sq))
        torch._foreach_addcmul_(approx_hessian, v_sq, curvature)
        denom = self.into('denom', torch.abs, approx_hessian)
        if group['rebound'] == 'belief':
            torch._foreach_maximum_(denom, rebound)
            torch._foreach_add_(denom, eps / alpha)
        else:
            torch._foreach_clamp_min_(denom, rebound)
        self.into(update, torch.div, exp_avg_grad, denom)
        if wd > 0.0 and group['weight_decay_type'] != 'l2':
            scale = [wd / d.mean() for d in denom] if group['weight_decay_type'] == 'stable' else wd
            torch._foreach_add_(update, torch._foreach_mul(params, scale))
        torch._foreach_add_(params, update, alpha=-lr)
