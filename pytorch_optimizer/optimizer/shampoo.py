"""Shampoo: preconditioned stochastic tensor optimization.

Reference: Gupta, Koren & Singer, "Shampoo: Preconditioned Stochastic Tensor Optimization", ICML 2018.
https://arxiv.org/abs/1802.09568
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import (
    check_bool,
    check_lr,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_range,
)
from pytorch_optimizer.optimizer._newton_common import matrix_inverse_root
from pytorch_optimizer.optimizer._shampoo_stacks import Block, inverse_roots, stacked_blocks
from pytorch_optimizer.registry import register_optimizer


def factor_views(flat: Tensor, dims: list[int]) -> list[Tensor]:
    """Square (d, d) views of a flat buffer holding one matrix per entry of ``dims``."""
    return [m.view(d, d) for m, d in zip(flat.split([d * d for d in dims]), dims)]


def precondition(grad: Tensor, roots: list[Tensor]) -> Tensor:
    """``G ×_1 P_1 ×_2 P_2 ... ×_k P_k`` for symmetric ``P_i`` (each contraction moves the axis to the end)."""
    for root in roots:
        grad = torch.tensordot(grad, root, dims=([0], [0]))
    return grad


def stacked_updates(grads, directions, statistics, preconditioners, refresh: bool) -> list[Tensor]:
    """:meth:`Shampoo._update`'s loop for a CUDA bucket, same-shaped tensors as stacks (:func:`stacked_blocks`)."""
    blocks = [
        Block(g.shape, g, d, list(zip(factor_views(s, list(g.shape)), factor_views(p, list(g.shape)))), 2 * g.dim())
        for g, d, s, p in zip(grads, directions, statistics, preconditioners)
        if g.dim()
    ]
    roots = functools.partial(inverse_roots, eps=0.0, relative=False)  # Shampoo's: exponent 2k, no ridge
    done = iter(stacked_blocks(blocks, True, 1.0, 1.0, refresh, roots))
    return [next(done) if g.dim() else d for g, d in zip(grads, directions)]  # 0-d: a plain gradient step


@register_optimizer
class Shampoo(BaseOptimizer):
    r"""One Kronecker factor per tensor dimension; the update is the gradient multiplied by their roots.

    For a gradient :math:`G_t` of order :math:`k` and its unfolding :math:`G_t^{(i)}` along dimension :math:`i`:

    .. math::
        H^i_t = H^i_{t-1} + G_t^{(i)} G_t^{(i)\top}, \quad H^i_0 = \epsilon I, \quad
        \tilde G_t = G_t \times_1 (H^1_t)^{-1/2k} \cdots \times_k (H^k_t)^{-1/2k}, \quad
        \theta_t = \theta_{t-1} - \eta\, \tilde G_t

    The roots (``eigh`` in float64; a non-finite statistic gives the identity, never NaN) are recomputed
    every ``preconditioning_compute_steps`` steps, starting at step 1, and reused in between. A 0-d parameter
    takes a plain gradient step; a vector gets full-matrix AdaGrad. With ``momentum`` the preconditioned
    direction is an EMA :math:`m_t = \mu m_{t-1} + (1-\mu) G_t` (statistics from :math:`G_t`). Differences from
    the older library: the exponent is the paper's :math:`-1/2k` (the older code used :math:`-1/k`) and momentum
    is an EMA of gradients (the older code mixed the previous preconditioned step into the gradient).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        momentum: EMA coefficient :math:`\mu` of the preconditioned gradient (0 disables it).
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        preconditioning_compute_steps: steps between recomputations of the roots.
        matrix_eps: :math:`\epsilon`, initial diagonal of the statistics.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('statistics', 'preconditioners')
    supports_fsdp = False  # matrix preconditioners are built over whole tensors, not shards

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        preconditioning_compute_steps: int = 1,
        matrix_eps: float = 1e-6,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            preconditioning_compute_steps=check_positive_int(
                self, 'preconditioning_compute_steps', preconditioning_compute_steps
            ),
            matrix_eps=check_positive(self, 'matrix_eps', matrix_eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('momentum_buffer',) if group['momentum'] > 0 else ())

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, tuple(k for k in keys if k == 'momentum_buffer'))
        dims = list(param.shape)
        eyes = [torch.eye(d, dtype=param.dtype, device=param.device).view(-1) for d in dims]
        if 'statistics' in keys:
            state['statistics'] = torch.cat(eyes).mul_(group['matrix_eps']) if dims else param.new_zeros(0)
        if 'preconditioners' in keys:
            state['preconditioners'] = torch.cat(eyes) if dims else param.new_zeros(0)
        return state

    def _update(self, group, params, grads, statistics, preconditioners, momentum_buffer=None):
        grads = self.apply_weight_decay(group, params, grads)
        directions = grads
        if momentum_buffer is not None:
            torch._foreach_lerp_(momentum_buffer, grads, 1.0 - group['momentum'])
            directions = momentum_buffer
        refresh = (group['step'] - 1) % group['preconditioning_compute_steps'] == 0
        if F.cuda_bucket(grads):  # same-shaped tensors as stacks: batched statistics, eigh and preconditioning
            updates = stacked_updates(grads, directions, statistics, preconditioners, refresh)
            torch._foreach_add_(params, updates, alpha=-group['lr'])
            return
        updates = []
        for grad, direction, stat, pre in zip(grads, directions, statistics, preconditioners):
            order = grad.dim()
            stats, roots = factor_views(stat, list(grad.shape)), factor_views(pre, list(grad.shape))
            for i, (s, root) in enumerate(zip(stats, roots)):
                unfolded = grad.movedim(i, 0).reshape(grad.shape[i], -1)
                s.unsqueeze(0).baddbmm_(unfolded[None], unfolded.T[None])  # the stacked path's kernel
                if refresh:
                    root.copy_(matrix_inverse_root(s, 2 * order, 0.0, relative=False))
            updates.append(precondition(direction, roots))
        torch._foreach_add_(params, updates, alpha=-group['lr'])
