"""Fromage: Frobenius matched gradient descent.

Reference: Bernstein, Vahdat, Yue & Liu, "On the distance between two neural networks and the stability of
learning", NeurIPS 2020. https://arxiv.org/abs/2002.03432 (official code: https://github.com/jxbz/fromage)

Licence note: the official Fromage code is released under CC BY-NC-SA 4.0 (non-commercial); check that
licence before commercial use of this algorithm's implementation.
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base.functional import cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_lr, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Fromage(BaseOptimizer):
    r"""Per-layer steps of relative size :math:`\eta`, rescaled so that the weight norm does not grow.

    .. math::
        \theta^l \leftarrow \frac{1}{\sqrt{1+\eta^2}}
        \Big(\theta^l - \eta \frac{\lVert\theta^l\rVert}{\lVert g^l\rVert} g^l\Big), \quad
        \theta^l \leftarrow \theta^l \min\Big(1, \frac{p_{bound}\lVert\theta^l_0\rVert}{\lVert\theta^l\rVert}\Big)

    per tensor :math:`l` (a plain gradient step where :math:`\lVert\theta^l\rVert` or :math:`\lVert g^l\rVert` is
    zero); the second step only with ``p_bound``. Licence: the official code is CC BY-NC-SA 4.0 (non-commercial).

    Args:
        params: parameters or parameter groups.
        lr: relative step size :math:`\eta` (0.01 is a good start).
        p_bound: keep every tensor's norm within ``p_bound`` times its initial norm (``None``: unbounded).
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    scalar_state_keys = frozenset({'max_norm'})

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        p_bound: float | None = None,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        if p_bound is not None:
            p_bound = check_range(self, 'p_bound', p_bound, 0.0, math.inf, low_inclusive=False)
        super().__init__(params, dict(lr=check_lr(self, lr), p_bound=p_bound, maximize=maximize, foreach=foreach))

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return ('max_norm',) if group['p_bound'] is not None else ()

    def init_state(self, group, param, keys):
        return {'max_norm': group['p_bound'] * torch.linalg.vector_norm(param)} if 'max_norm' in keys else {}

    def _update(self, group, params, grads, max_norm=None):
        lr = group['lr']
        # per-tensor ratios of the whole batch as one vector: a handful of kernels, not a few per parameter
        pn, gn = torch.stack(torch._foreach_norm(params)), torch.stack(torch._foreach_norm(grads))
        ratios = torch.where((pn > 0) & (gn > 0), pn / gn, 1.0) * -lr
        torch._foreach_addcmul_(params, grads, list(ratios.unbind()))  # the 0-d ratios broadcast: no temporary
        torch._foreach_div_(params, cpu_scalar(math.sqrt(1.0 + lr * lr), params[0]))
        if max_norm is not None:
            norms, bounds = torch.stack(torch._foreach_norm(params)), torch.stack(max_norm)
            torch._foreach_mul_(params, list(torch.where(norms > bounds, bounds / norms, 1.0).unbind()))
