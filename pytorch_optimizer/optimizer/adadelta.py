"""AdaDelta: an adaptive learning rate method.

Reference: Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv 2012.
https://arxiv.org/abs/1212.5701
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import add_scaled_, cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaDelta(BaseOptimizer):
    r"""Step sizes from the ratio of RMS[update] to RMS[gradient]; no global learning rate needed.

    .. math::
        E[g^2]_t = \rho E[g^2]_{t-1} + (1-\rho) g_t^2, \quad
        \Delta\theta_t = -\frac{\sqrt{E[\Delta\theta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}} g_t, \\
        E[\Delta\theta^2]_t = \rho E[\Delta\theta^2]_{t-1} + (1-\rho)\Delta\theta_t^2, \quad
        \theta_t = \theta_{t-1} + \eta\,\Delta\theta_t

    (Algorithm 1 of the paper, scaled by ``lr`` as ``torch.optim.Adadelta``, which it matches to
    round-off with the default coupled weight decay.)

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta` scaling :math:`\Delta\theta_t` (1.0 is the paper's method).
        rho: decay rate :math:`\rho` of both running averages.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled decay :math:`\theta \leftarrow \theta(1-\eta\lambda)` instead of L2.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        eps: :math:`\epsilon` inside both square roots.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('square_avg', 'acc_delta')

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        rho: float = 0.9,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        eps: float = 1e-6,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            rho=check_range(self, 'rho', rho, 0.0, 1.0, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        return {'lr': group['lr']}

    def _update(self, group, params, grads, square_avg, acc_delta, *, lr):
        rho, eps = group['rho'], group['eps']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        rho_t = cpu_scalar(rho, params[0])
        torch._foreach_mul_(square_avg, rho_t)
        torch._foreach_addcmul_(square_avg, grads, grads, value=1.0 - rho)
        # sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) as the root of the ratio: one square root instead of two
        delta = torch._foreach_add(acc_delta, eps)
        torch._foreach_div_(delta, torch._foreach_add(square_avg, eps))
        torch._foreach_sqrt_(delta)
        torch._foreach_mul_(delta, grads)
        torch._foreach_mul_(acc_delta, rho_t)
        torch._foreach_addcmul_(acc_delta, delta, delta, value=1.0 - rho)
        add_scaled_(params, delta, -lr)
