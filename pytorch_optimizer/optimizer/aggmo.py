"""AggMo: aggregated momentum.

Reference: Lucas et al., "Aggregated Momentum: Stability Through Passive Damping", ICLR 2019.
https://arxiv.org/abs/1804.00325
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import add_scaled_, copy_, cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AggMo(BaseOptimizer):
    r"""The average of :math:`K` heavy-ball velocities with different damping coefficients.

    .. math::
        v^{(i)}_t = \beta^{(i)} v^{(i)}_{t-1} + g_t \quad (i = 1..K), \quad
        \theta_t = \theta_{t-1} - \frac{\eta}{K} \sum_{i=1}^{K} v^{(i)}_t

    One buffer per coefficient (``momentum_buffer_0`` ...); a single coefficient is
    ``torch.optim.SGD(momentum=beta)``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: the damping coefficients :math:`\beta^{(i)}`, any number of them, each in [0, 1).
        weight_decay: weight decay :math:`\lambda`.
        weight_decouple: decoupled decay instead of L2 added to the gradient.
        fixed_decay: decay by :math:`\lambda` instead of :math:`\eta\lambda` per step.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('momentum_buffer_0', 'momentum_buffer_1', 'momentum_buffer_2')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, ...] = (0.0, 0.9, 0.99),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        count = len(betas) if isinstance(betas, (list, tuple)) and len(betas) > 0 else 1
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas, length=count),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return tuple(f'momentum_buffer_{i}' for i in range(len(group['betas'])))

    def _prepare(self, group, params, grads, states):
        return {'lr': group['lr'], 'step_size': group['lr'] / len(group['betas'])}

    def _update(self, group, params, grads, *, lr, step_size, **buffers):
        betas = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        for i, beta in enumerate(betas):
            buf = buffers[f'momentum_buffer_{i}']
            if beta == 0.0:  # v = g: a copy instead of zeroing and adding
                copy_(buf, grads)
            else:
                torch._foreach_mul_(buf, cpu_scalar(beta, params[0]))
                torch._foreach_add_(buf, grads)
            add_scaled_(params, buf, -step_size)
