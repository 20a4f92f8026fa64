"""SRMM: stochastic regularized majorization-minimization (double-averaged proximal SGD).

Reference: Lyu, "Stochastic regularized majorization-minimization with weakly convex and multi-convex
surrogates", arXiv 2022. https://arxiv.org/abs/2201.01652
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import add_scaled_, copy_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_lr, check_positive_int, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class SRMM(BaseOptimizer):
    r"""The minimizer of the weighted average of prox-linear surrogates: averaged iterate minus averaged gradient.

    .. math::
        w_n = n^{-\beta}, \quad
        \bar g_n = (1-w_n)\bar g_{n-1} + w_n g_n, \quad
        \bar\theta_n = (1-w_n)\bar\theta_{n-1} + w_n \theta_{n-1}, \quad
        \theta_n = \bar\theta_n - \eta\,\bar g_n

    where :math:`n` is the group's step, restarted every ``memory_length`` steps
    (:math:`n \leftarrow ((n-1) \bmod L) + 1`, so :math:`w = 1` refreshes both averages). :math:`w_1 = 1`
    makes the first step plain SGD. The older library (and the official code, through aliasing) overwrote
    :math:`\bar\theta` with the new iterate, so it was no average, and its weight
    :math:`((n+1) \bmod L)^{-\beta}` divided by zero at step :math:`L-1`; here both averages are kept.

    Args:
        params: parameters or parameter groups.
        lr: step size :math:`\eta` (the inverse of the surrogates' curvature).
        beta: adaptivity exponent :math:`\beta` of the weights :math:`w_n = n^{-\beta}`, in [0, 1].
        memory_length: restart period :math:`L` of the averages; ``None`` never restarts.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('mov_avg_grad', 'mov_avg_param')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        beta: float = 0.5,
        memory_length: int | None = 100,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            beta=check_range(self, 'beta', beta, 0.0, 1.0, high_inclusive=True),
            memory_length=None if memory_length is None else check_positive_int(self, 'memory_length', memory_length),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        # a parameter that joins late averages from its own value, not from zero
        return {'mov_avg_grad': torch.zeros_like(param), 'mov_avg_param': param.clone()}

    def _prepare(self, group, params, grads, states):
        n = group['step']
        if group['memory_length'] is not None:
            n = (n - 1) % group['memory_length'] + 1
        return {'lr': group['lr'], 'weight': float(n) ** -group['beta']}

    def _update(self, group, params, grads, mov_avg_grad, mov_avg_param, *, lr, weight):
        torch._foreach_lerp_(mov_avg_grad, grads, weight)
        torch._foreach_lerp_(mov_avg_param, params, weight)
        copy_(params, mov_avg_param)
        add_scaled_(params, mov_avg_grad, -lr)
