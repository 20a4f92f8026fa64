"""Sophia-H: second-order clipped stochastic optimization with a Hutchinson Hessian estimate.

Reference: Liu, Li, Hall, Liang & Ma, "Sophia: A Scalable Stochastic Second-order Optimizer for
Language Model Pre-training", ICLR 2024. https://arxiv.org/abs/2305.14342
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import (
    check_betas,
    check_bool,
    check_choice,
    check_lr,
    check_non_negative,
    check_positive,
    check_positive_int,
)
from pytorch_optimizer.optimizer._newton_common import HutchinsonMixin
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class SophiaH(HutchinsonMixin, BaseOptimizer):
    r"""Momentum divided by an EMA of the Hutchinson ``diag(H)`` estimate, clipped coordinate-wise.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        h_t = \beta_2 h_{t-k} + (1-\beta_2)\, z \odot H_t z \ \ \text{if}\ t \bmod k = 1 \ \text{else}\ h_{t-1}, \\
        \theta_t = \theta_{t-1} - \eta\, \mathrm{clip}\big(m_t / \max(h_t, \epsilon), -p, p\big)

    This is the paper's Algorithm 3, :math:`\theta \leftarrow \theta - \eta'\,\mathrm{clip}(m / \max(\gamma h,
    \epsilon'), 1)`, in the older library's parametrization :math:`\gamma = p`, :math:`\eta' = \eta p`,
    :math:`\epsilon' = \epsilon p`. Call ``loss.backward(create_graph=True)`` before ``step()``
    (``MissingGraphError`` otherwise); the probes come from a generator seeded with ``seed`` whose state is
    saved in ``state_dict``. A parameter's first gradient also triggers an estimate.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        p: clipping bound :math:`p` of the preconditioned step (the paper's :math:`\gamma`).
        update_period: steps :math:`k` between Hutchinson estimates.
        num_samples: probes per estimate.
        hessian_distribution: ``'gaussian'`` or ``'rademacher'`` probes.
        seed: seed of the probe generator.
        eps: :math:`\epsilon`, lower bound of the curvature.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    second_order = True
    state_keys = ('momentum', 'hessian_moment', 'hessian_updates')

    def __init__(
        self,
        params: Params,
        lr: float = 6e-2,
        betas: tuple[float, float] = (0.96, 0.99),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        p: float = 1e-2,
        update_period: int = 10,
        num_samples: int = 1,
        hessian_distribution: str = 'gaussian',
        seed: int = 0,
        eps: float = 1e-12,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            p=check_positive(self, 'p', p),
            update_period=check_positive_int(self, 'update_period', update_period),
            num_samples=check_positive_int(self, 'num_samples', num_samples),
            hessian_distribution=check_choice(
                self, 'hessian_distribution', hessian_distribution, ('gaussian', 'rademacher')
            ),
            seed=check_positive_int(self, 'seed', seed, allow_zero=True),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        diag = self.due_hessian_estimate(group, states)
        if diag is None:
            return
        torch._foreach_lerp_([s['hessian_moment'] for s in states], diag, 1.0 - group['betas'][1])
        for s in states:
            s['hessian_updates'] += 1

    def _update(self, group, params, grads, momentum, hessian_moment, hessian_updates):
        grads = self.apply_weight_decay(group, params, grads)
        torch._foreach_lerp_(momentum, grads, 1.0 - group['betas'][0])
        update = torch._foreach_div(momentum, torch._foreach_clamp_min(hessian_moment, group['eps']))
        torch._foreach_clamp_min_(update, -group['p'])
        torch._foreach_clamp_max_(update, group['p'])
        torch._foreach_add_(params, update, alpha=-group['lr'])
