"""SGDP: SGD with projection of the radial component on scale-invariant weights.

Reference: Heo et al., "AdamP: Slowing Down the Slowdown for Momentum Optimizers on
Scale-invariant Weights", ICLR 2021. https://arxiv.org/abs/2006.08217
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.optimizer._projection import _decay_and_project_, _views
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class SGDP(BaseOptimizer):
    r"""Momentum SGD whose update loses its radial component on scale-invariant weights.

    .. math::
        b_t = \mu b_{t-1} + (1-\tau) g_t, \quad
        p_t = \begin{cases} g_t + \mu b_t & \text{nesterov} \\ b_t & \text{else} \end{cases}, \\
        q_t = \begin{cases} p_t - (\hat\theta \cdot p_t)\hat\theta
              & \text{if } \max |\cos(\theta, g_t)| < \delta / \sqrt{\dim} \\ p_t & \text{else} \end{cases}, \quad
        \theta_t = \theta_{t-1}\Big(1 - \frac{\eta\lambda\nu}{1-\mu}\Big) - \eta q_t

    where the cosine and the projection are taken per output channel, else over the whole tensor,
    :math:`\nu` = ``wd_ratio`` where the projection applied (1 elsewhere), and the decay is scaled by
    :math:`1/(1-\mu)` as in the official code. Tensors with at most one dimension are never projected.
    The buffer starts at zero (official code). ``weight_decouple=False`` adds :math:`\lambda\theta` to the
    gradient instead (the older library crashed there); with ``momentum=0`` no state is kept.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        momentum: momentum factor :math:`\mu`.
        dampening: dampening :math:`\tau` of the gradient in the momentum buffer.
        weight_decay: weight decay :math:`\lambda`.
        weight_decouple: decoupled decay (the paper's form); else L2 added to the gradient.
        fixed_decay: decay by :math:`\lambda` instead of :math:`\eta\lambda` (still over :math:`1-\mu`).
        delta: threshold :math:`\delta` of the scale-invariance test.
        wd_ratio: decay multiplier :math:`\nu` for projected tensors.
        nesterov: Nesterov momentum :math:`g_t + \mu b_t`.
        eps: :math:`\epsilon` of the cosine similarity and of the norm.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('momentum_buffer',)
    supports_fsdp = False  # the projection's cosine test runs on a Partial DTensor (torch 2.13 rejects abs_)

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        delta: float = 0.1,
        wd_ratio: float = 0.1,
        nesterov: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            dampening=check_range(self, 'dampening', dampening, 0.0, 1.0, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            delta=check_non_negative(self, 'delta', delta),
            wd_ratio=check_range(self, 'wd_ratio', wd_ratio, 0.0, 1.0, high_inclusive=True),
            nesterov=check_bool(self, 'nesterov', nesterov),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys if group['momentum'] > 0.0 else ()

    def _update(self, group, params, grads, momentum_buffer=None):
        lr, momentum, wd = group['lr'], group['momentum'], group['weight_decay']
        if not group['weight_decouple'] and wd != 0.0:  # g + wd p in dead buffers (the gradients are the user's)
            grads = self.into('l2', torch.add, grads, params, alpha=wd)
        damp, scale = 1.0 - group['dampening'], 1.0
        if momentum > 0.0:
            torch._foreach_mul_(momentum_buffer, momentum)
            torch._foreach_add_(momentum_buffer, grads, alpha=damp)
            perturb = momentum_buffer  # read, never written
            if group['nesterov']:
                perturb = [
                    torch.add(g, b, alpha=momentum, out=n)
                    for g, b, n in zip(grads, momentum_buffer, self.scratch(grads, 'nesterov'))
                ]
        else:  # official code: b = (1 - tau) g, and the nesterov direction is g + 0 * b
            perturb, scale = grads, (1.0 if group['nesterov'] else damp)  # the update is linear in the scale
        decay = (1.0 if group['fixed_decay'] else lr) * wd / (1.0 - momentum) if group['weight_decouple'] else 0.0
        views = _views(params, grads, group['delta'], group['eps'])
        _decay_and_project_(params, grads, perturb, views, group, lr * scale, decay)
        torch._foreach_add_(params, perturb, alpha=-lr * scale)
