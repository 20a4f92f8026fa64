"""NovoGrad: layer-wise normalized gradients with momentum.

Reference: Ginsburg et al., "Stochastic Gradient Methods with Layer-wise Adaptive Moments for Training of
Deep Networks", 2019. https://arxiv.org/abs/1905.11286
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class NovoGrad(BaseOptimizer):
    r"""Momentum over gradients normalized by a per-tensor second moment of their norm (Algorithm 1).

    .. math::
        v_t = \begin{cases} \lVert g_1\rVert^2 & t = 1 \\
            \beta_2 v_{t-1} + (1-\beta_2)\lVert g_t\rVert^2 & t > 1 \end{cases}, \quad
        m_t = \beta_1 m_{t-1} + c\Big(\frac{g_t}{\sqrt{v_t} + \epsilon} + \lambda\theta_{t-1}\Big), \quad
        \theta_t = \theta_{t-1} - \eta m_t

    per tensor, with :math:`m_0 = 0`, :math:`c = 1-\beta_1` with ``grad_averaging`` else 1, and
    :math:`t = 1` meaning the tensor's first step (its :math:`v` still 0). ``weight_decouple`` replaces the
    paper's :math:`\lambda\theta` inside the momentum by AdamW-style decay. The paper has no bias
    correction (the older library's ``adam_debias`` has no meaning here).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled (AdamW-style) decay instead of the paper's decay inside the momentum.
        fixed_decay: with ``weight_decouple``, decay by ``weight_decay`` instead of ``lr * weight_decay``.
        grad_averaging: scale the momentum's input by :math:`1-\beta_1`.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 'exp_avg_sq')
    scalar_state_keys = frozenset({'exp_avg_sq'})
    supports_fsdp = False  # per-tensor norms become Partial DTensors that torch 2.13's foreach ops reject

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.95, 0.98),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        grad_averaging: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            grad_averaging=check_bool(self, 'grad_averaging', grad_averaging),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def _update(self, group, params, grads, exp_avg, exp_avg_sq):
        beta1, beta2 = group['betas']
        wd = group['weight_decay']
        if group['weight_decouple']:
            self.apply_weight_decay(group, params, grads)
        # the per-tensor scalars of the batch as one vector: a few small ops instead of several per tensor
        n = torch.stack(torch._foreach_norm(grads))
        n.mul_(n)
        v = torch.stack(exp_avg_sq)
        # first step of a tensor (v still 0): v = |g|^2 instead of the average
        v = torch.where(v == 0, n, beta2 * v + (1.0 - beta2) * n)
        torch._foreach_copy_(exp_avg_sq, v.unbind())
        denom = v.sqrt_().add_(group['eps']).unbind()

        c = 1.0 - beta1 if group['grad_averaging'] else 1.0
        torch._foreach_mul_(exp_avg, beta1)
        torch._foreach_addcdiv_(exp_avg, grads, denom, value=c)  # + c g / (sqrt(v) + eps): no temporary
        if not group['weight_decouple'] and wd > 0.0:
            torch._foreach_add_(exp_avg, params, alpha=c * wd)  # + c wd theta_{t-1} (the paper's decay)
        torch._foreach_add_(params, exp_avg, alpha=-group['lr'])
