"""ASGD: adaptive gradient descent without descent (step size from a local smoothness estimate).

Reference: Malitsky & Mishchenko, "Adaptive Gradient Descent without Descent", ICML 2020.
https://arxiv.org/abs/1910.09529
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base.functional import copy_, host_flag, is_dtensor, snapshot, undo_unless_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_non_negative, check_positive, check_range
from pytorch_optimizer.optimizer._asgd_step_size import advance_step_size, norm_of
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class ASGD(BaseOptimizer):
    r"""Gradient descent whose step size follows the inverse local Lipschitz constant of the gradient.

    .. math::
        \lambda_k = \min\Big\{\sqrt{1 + a\,\theta_{k-1}}\,\lambda_{k-1},\
            \frac{\lVert x_k - x_{k-1}\rVert}{d\,\lVert g_k - g_{k-1}\rVert}\Big\} + \epsilon, \quad
        \theta_k = \frac{\lambda_k}{\lambda_{k-1}}, \quad
        x_{k+1} = x_k - \lambda_k g_k

    The norms run over every parameter of the group that has a gradient (``global_statistics``); a parameter's
    first step contributes nothing. The paper's Algorithm 1 is ``amplifier=1, dampening=2, eps=0, theta=inf``;
    the defaults are the official code's neural-network setting. Without curvature information
    (:math:`g_k = g_{k-1}`) the ratio is :math:`+\infty`. A non-finite gradient skips the whole group's step (no
    update, no state change) without a host sync on accelerators (CPU reads the 0-d flag). :math:`\lambda_k` and
    :math:`\theta_k` are 0-d tensors kept in the group (``adaptive_lr``, ``adaptive_theta``). The older library
    took the difference of the norms instead of the norm of the differences; this is the paper's estimate.

    Args:
        params: parameters or parameter groups.
        lr: the first step size :math:`\lambda_0` (later steps adapt).
        amplifier: :math:`a`, how fast the step may grow.
        weight_decay: weight decay :math:`\mu`.
        weight_decouple: decoupled decay :math:`x(1 - \lambda_k\mu)`; else L2 added to the gradient (and to
            the gradient differences).
        fixed_decay: decay by :math:`\mu` instead of :math:`\lambda_k\mu`.
        theta: :math:`\theta_0` (``math.inf`` as in the paper).
        dampening: :math:`d`, the divisor of the smoothness bound (2 in the paper's theory).
        eps: :math:`\epsilon` added to every step size, keeping it positive.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('prev_param', 'prev_grad')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        amplifier: float = 0.02,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        theta: float = 1.0,
        dampening: float = 1.0,
        eps: float = 1e-5,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_positive(self, 'lr', lr),
            amplifier=check_non_negative(self, 'amplifier', amplifier),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            theta=check_range(self, 'theta', theta, 0.0, math.inf, high_inclusive=True),
            dampening=check_positive(self, 'dampening', dampening),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        return {}  # (x_{k-1}, g_{k-1}) are created from the first (x, g) in _prepare

    def _effective_grads(self, group, params, grads):
        return grads if group['weight_decouple'] else self.apply_weight_decay(group, params, grads)

    def _distance(self, x, y):
        """:math:`\\lVert x - y \\rVert` with the difference in a scratch buffer (no fresh temporary on CPU)."""
        return torch.linalg.vector_norm(torch.sub(x, y, out=self.scratch([x], 'difference')[0]))

    def _prepare(self, group, params, grads, states):
        grads = self._effective_grads(group, params, grads)
        for p, g, state in zip(params, grads, states):
            if 'prev_param' not in state:
                state['prev_param'] = p.clone()
                state['prev_grad'] = torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0)
        dtype = torch.float64 if all(p.dtype == torch.float64 for p in params) else torch.float32
        if params[0].device.type != 'cpu' and not is_dtensor(params[0]):  # foreach: a launch per op, not per tensor
            dx_parts = torch._foreach_norm(torch._foreach_sub(params, [s['prev_param'] for s in states]))
            dg_parts = torch._foreach_norm(torch._foreach_sub(grads, [s['prev_grad'] for s in states]))
        else:  # cache-sized pieces: the differences go to one buffer, reused between steps, that stays in cache
            dx_parts, dg_parts = [], []
            for xs, gs, prev in self._cache_chunks(params, grads, states, self.state_keys):
                dx_parts += [self._distance(x, y) for x, y in zip(xs, prev['prev_param'])]
                dg_parts += [self._distance(g, y) for g, y in zip(gs, prev['prev_grad'])]
        dx, dg = norm_of(dx_parts, dtype, params[0].device), norm_of(dg_parts, dtype, params[0].device)
        finite = advance_step_size(group, dx, dg, dtype)
        group['last_step_finite'] = finite
        # CPU: the flag is read once on the host (no device to wait for) instead of masking every tensor
        flag = host_flag(finite)
        return {'skip': None if flag is None else not flag}

    def _update(self, group, params, grads, prev_param, prev_grad, skip):
        if skip:
            return
        lam = group['adaptive_lr'].to(device=params[0].device, dtype=params[0].dtype)
        grads = self._effective_grads(group, params, grads)
        decay = group['weight_decouple'] and group['weight_decay'] > 0.0
        factor = 1.0 - group['weight_decay'] * (1.0 if group['fixed_decay'] else lam) if decay else 1.0
        if skip is not None:
            neg_lam = lam.neg()
            states = [{'prev_param': px, 'prev_grad': pg} for px, pg in zip(prev_param, prev_grad)]
            # cache-sized pieces: x and g are read from memory once for the copies and the update
            for xs, gs, prev in self._cache_chunks(params, grads, states, self.state_keys):
                copy_(prev['prev_param'], xs)
                copy_(prev['prev_grad'], gs)
                if decay:
                    torch._foreach_mul_(xs, factor)
                for x, g in zip(xs, gs):
                    x.addcmul_(g, neg_lam)
            return
        finite = group['last_step_finite'].to(params[0].device)
        for dst, src in ((prev_param, params), (prev_grad, grads)):  # (x, g) where finite, without a host sync
            undo_unless_(dst, snapshot(src), ~finite)  # dst keeps its value unless finite: then src's
        if decay:
            factor = torch.as_tensor(factor, dtype=lam.dtype, device=lam.device)
            torch._foreach_mul_(params, torch.where(finite, factor, 1.0))
        torch._foreach_add_(params, torch._foreach_mul(prev_grad, torch.where(finite, -lam, 0.0)))  # g_k, finite
