"""PID: a proportional-integral-derivative controller view of momentum SGD.

Reference: An et al., "A PID Controller Approach for Stochastic Optimization of Deep Networks",
CVPR 2018. https://openaccess.thecvf.com/content_cvpr_2018/papers/An_A_PID_Controller_CVPR_2018_paper.pdf
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import add_scaled_, copy_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class PID(BaseOptimizer):
    r"""Gradient (P) plus an integral (momentum) term and a derivative term of the gradient.

    .. math::
        I_t = \mu I_{t-1} + (1-\tau) g_t, \quad
        D_t = \mu D_{t-1} + (1-\mu)(g_t - g_{t-1}), \quad
        \theta_t = \theta_{t-1} - \eta\,(g_t + K_i I_t + K_d D_t)

    with :math:`g_{t-1} = g_t` at a parameter's first step (no derivative yet). With ``momentum=0`` the
    update is plain SGD and no state is kept (as in the official code). The official code and the older
    library compare the second gradient with zero (their previous-gradient buffer is not written at the
    first step), which kicks :math:`D` by :math:`(1-\mu) g_2`; here the first derivative is zero.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        momentum: momentum :math:`\mu` of the I and D buffers (0 disables them).
        dampening: dampening :math:`\tau` of the gradient in the I buffer.
        derivative: derivative gain :math:`K_d`.
        integral: integral gain :math:`K_i`.
        weight_decay: weight decay :math:`\lambda`.
        weight_decouple: decoupled decay instead of L2 added to the gradient.
        fixed_decay: decay by :math:`\lambda` instead of :math:`\eta\lambda` per step.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('i_buffer', 'd_buffer', 'grad_buffer')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        derivative: float = 10.0,
        integral: float = 5.0,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            dampening=check_range(self, 'dampening', dampening, 0.0, 1.0, high_inclusive=True),
            derivative=check_non_negative(self, 'derivative', derivative),
            integral=check_non_negative(self, 'integral', integral),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys if group['momentum'] > 0.0 else ()

    def init_state(self, group, param, keys):
        # the previous gradient is created from the first gradient in _prepare
        return super().init_state(group, param, tuple(k for k in keys if k != 'grad_buffer'))

    def is_elementwise(self, group: dict) -> bool:
        """Plain SGD (no momentum, no weight decay) is one pass with no temporary: cache-sized slices of large
        tensors would only add calls (measured ~15% on 20 MiB tensors), so whole tensors are batched instead."""
        return super().is_elementwise(group) and (group['momentum'] > 0.0 or group['weight_decay'] > 0.0)

    def _prepare(self, group, params, grads, states):
        if group['momentum'] > 0.0:  # without momentum (plain SGD) there is no state: no loop over the tensors
            wd = 0.0 if group['weight_decouple'] else group['weight_decay']
            for p, g, state in zip(params, grads, states):
                if 'grad_buffer' not in state:
                    state['grad_buffer'] = torch.add(g, p, alpha=wd) if wd else g.clone()
        return {'lr': group['lr']}

    def _update(self, group, params, grads, i_buffer=None, d_buffer=None, grad_buffer=None, *, lr):
        momentum = group['momentum']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        update = grads
        if momentum > 0.0:
            torch._foreach_mul_(i_buffer, momentum)
            torch._foreach_add_(i_buffer, grads, alpha=1.0 - group['dampening'])
            change = torch._foreach_sub(grads, grad_buffer)
            torch._foreach_mul_(d_buffer, momentum)
            torch._foreach_add_(d_buffer, change, alpha=1.0 - momentum)
            copy_(grad_buffer, grads)
            update = torch._foreach_add(grads, i_buffer, alpha=group['integral'])
            torch._foreach_add_(update, d_buffer, alpha=group['derivative'])
        add_scaled_(params, update, -lr)
