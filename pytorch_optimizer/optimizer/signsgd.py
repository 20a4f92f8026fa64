"""signSGD and Signum: the sign of the gradient (or of its momentum).

Reference: Bernstein et al., "signSGD: Compressed Optimisation for Non-Convex Problems", ICML 2018.
https://arxiv.org/abs/1802.04434
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import add_scaled_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class SignSGD(BaseOptimizer):
    r"""signSGD (``momentum=0``) and Signum (``momentum>0``): every coordinate moves by exactly :math:`\eta`.

    .. math::
        m_t = \beta m_{t-1} + (1-\beta) g_t, \quad
        \theta_t = \theta_{t-1}(1 - \eta\lambda) - \eta\,\mathrm{sign}(m_t)

    (:math:`m_t = g_t` without momentum; a coordinate whose :math:`m_t` is exactly zero stays put).
    Complex parameters are optimized through their real view: the sign is taken per real component.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        momentum: Signum's momentum :math:`\beta` (0 gives signSGD and keeps no state).
        weight_decay: weight decay :math:`\lambda`.
        weight_decouple: decoupled decay; else L2 added to the gradient before the sign.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('momentum_buffer',)

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys if group['momentum'] > 0.0 else ()

    def _prepare(self, group, params, grads, states):
        return {'lr': group['lr']}

    def _update(self, group, params, grads, momentum_buffer=None, *, lr):
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        if group['momentum'] > 0.0:
            torch._foreach_lerp_(momentum_buffer, grads, 1.0 - group['momentum'])
            grads = momentum_buffer
        update = torch._foreach_sign(grads)
        add_scaled_(params, update, -lr)
