"""AdaHessian: an adaptive second-order optimizer with Hutchinson's Hessian-diagonal estimate.

Reference: Yao, Gholami, Shen, Mustafa, Keutzer & Mahoney, "ADAHESSIAN: An Adaptive Second Order
Optimizer for Machine Learning", AAAI 2021. https://arxiv.org/abs/2006.00719
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
    check_positive_int,
    check_range,
)
from pytorch_optimizer.optimizer._newton_common import HutchinsonMixin
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaHessian(HutchinsonMixin, BaseOptimizer):
    r"""Adam whose second moment is an EMA of the squared Hutchinson estimate of ``diag(H)``.

    .. math::
        D_t = z \odot H_t z \ (\text{spatially averaged over conv kernels}), \quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) D_t^2, \\
        \theta_t = \theta_{t-1} - \eta\,\frac{m_t / (1-\beta_1^t)}{(v_t / (1-\beta_2^{n_t}))^{k/2} + \epsilon}

    Call ``loss.backward(create_graph=True)`` before ``step()`` (``MissingGraphError`` otherwise); the
    probes come from a generator seeded with ``seed`` whose state is saved in ``state_dict``, so a resumed
    run is bit-identical. :math:`D_t` is re-estimated every ``update_period`` steps (and when a parameter
    gets its first gradient); :math:`v_t` is updated only then and :math:`n_t` counts those updates.
    Differences from the older library: :math:`v` is bias-corrected before the power, as in the paper
    (the older code divided by :math:`\sqrt{1-\beta_2^t}` inside the power), and 4-d kernels average
    :math:`D` over their spatial dimensions (paper's spatial averaging).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        hessian_power: :math:`k \in [0, 1]`.
        update_period: steps between Hutchinson estimates.
        num_samples: probes per estimate.
        hessian_distribution: ``'rademacher'`` or ``'gaussian'`` probes.
        adam_debias: do not bias-correct the first moment's step size.
        seed: seed of the probe generator.
        eps: :math:`\epsilon` added to the denominator.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    second_order = True
    state_keys = ('exp_avg', 'exp_hessian_diag_sq', 'hessian_updates')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-1,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        hessian_power: float = 1.0,
        update_period: int = 1,
        num_samples: int = 1,
        hessian_distribution: str = 'rademacher',
        adam_debias: bool = False,
        seed: int = 0,
        eps: float = 1e-16,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            hessian_power=check_range(self, 'hessian_power', hessian_power, 0.0, 1.0, high_inclusive=True),
            update_period=check_positive_int(self, 'update_period', update_period),
            num_samples=check_positive_int(self, 'num_samples', num_samples),
            hessian_distribution=check_choice(
                self, 'hessian_distribution', hessian_distribution, ('rademacher', 'gaussian')
            ),
            adam_debias=check_bool(self, 'adam_debias', adam_debias),
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
        diag = [d.mean(dim=(2, 3), keepdim=True).expand_as(d) if d.dim() == 4 else d for d in diag]
        beta2 = group['betas'][1]
        exp_hessian_diag_sq = [s['exp_hessian_diag_sq'] for s in states]
        torch._foreach_mul_(exp_hessian_diag_sq, beta2)
        torch._foreach_addcmul_(exp_hessian_diag_sq, diag, diag, value=1.0 - beta2)
        for s in states:
            s['hessian_updates'] += 1

    def _update(self, group, params, grads, exp_avg, exp_hessian_diag_sq, hessian_updates):
        beta1, beta2 = group['betas']
        grads = self.apply_weight_decay(group, params, grads)
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta1)
        denom = torch._foreach_div(exp_hessian_diag_sq, [self.bias_correction(beta2, n) for n in hessian_updates])
        torch._foreach_pow_(denom, group['hessian_power'] / 2.0)
        torch._foreach_add_(denom, group['eps'])
        step_size = group['lr'] if group['adam_debias'] else group['lr'] / self.bias_correction(beta1, group['step'])
        torch._foreach_addcdiv_(params, exp_avg, denom, value=-step_size)
