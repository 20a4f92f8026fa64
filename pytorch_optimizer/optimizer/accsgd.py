"""AccSGD: accelerated stochastic gradient descent with coupled short and long steps.

Reference: Kidambi et al., "On the insufficiency of existing momentum schemes for Stochastic
Optimization", ICLR 2018 (algorithm of Jain et al., "Accelerating Stochastic Gradient Descent for
Least Squares Regression", COLT 2018). https://arxiv.org/abs/1803.05591
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import add_scaled_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_lr, check_non_negative, check_positive, check_range, owner_name
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AccSGD(BaseOptimizer):
    r"""An iterate averaged between a short gradient step and a long-step running point.

    .. math::
        \alpha = 1 - \frac{c^2 \xi}{\kappa}, \quad
        \bar w_t = \alpha \bar w_{t-1} + (1-\alpha)\Big(w_{t-1} - \frac{\kappa\eta}{c} g_t\Big), \\
        w_t = \frac{c}{c + 1 - \alpha}\,(w_{t-1} - \eta g_t) + \frac{1-\alpha}{c + 1 - \alpha}\,\bar w_t

    with :math:`\bar w_0 = w_0` (the paper's constant :math:`c = 0.7`). Weight decay is L2, added to the
    gradient, as in the official code.

    Args:
        params: parameters or parameter groups.
        lr: short step :math:`\eta`.
        kappa: long-to-short step ratio :math:`\kappa` (a condition-number estimate).
        xi: statistical advantage parameter :math:`\xi` (at most :math:`\sqrt{\kappa}` in the analysis).
        constant: :math:`c` in (0, 1].
        weight_decay: L2 coefficient added to the gradient.
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
        kappa: float = 1000.0,
        xi: float = 10.0,
        constant: float = 0.7,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            kappa=check_positive(self, 'kappa', kappa),
            xi=check_positive(self, 'xi', xi),
            constant=check_range(self, 'constant', constant, 0.0, 1.0, low_inclusive=False, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        if defaults['xi'] * defaults['constant'] ** 2 >= defaults['kappa']:
            raise ValueError(f'{owner_name(self)}: xi * constant**2 must be < kappa, got xi={xi}, kappa={kappa}')
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        return {'momentum_buffer': param.clone()}

    def _prepare(self, group, params, grads, states):
        lr = group['lr']
        return {'lr': lr, 'long_lr': lr * group['kappa'] / group['constant']}

    def _update(self, group, params, grads, momentum_buffer, *, lr, long_lr):
        c = group['constant']
        beta = c * c * group['xi'] / group['kappa']  # 1 - alpha
        zeta = c / (c + beta)
        if group['weight_decay'] > 0.0:
            grads = torch._foreach_add(grads, params, alpha=group['weight_decay'])
        torch._foreach_mul_(momentum_buffer, 1.0 / beta - 1.0)
        add_scaled_(momentum_buffer, grads, -long_lr)
        torch._foreach_add_(momentum_buffer, params)
        torch._foreach_mul_(momentum_buffer, beta)
        add_scaled_(params, grads, -lr)
        torch._foreach_lerp_(params, momentum_buffer, 1.0 - zeta)
