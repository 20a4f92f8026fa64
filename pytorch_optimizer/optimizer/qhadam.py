"""QHAdam: quasi-hyperbolic Adam.

Reference: Ma & Yarats, "Quasi-hyperbolic momentum and Adam for deep learning", ICLR 2019.
https://arxiv.org/abs/1810.06801
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class QHAdam(BaseOptimizer):
    r"""Adam whose moments are interpolated with the current gradient by the immediate discounts :math:`\nu`.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \theta_t = \theta_{t-1} - \eta\,
            \frac{(1-\nu_1) g_t + \nu_1 m_t/(1-\beta_1^t)}{\sqrt{(1-\nu_2) g_t^2 + \nu_2 v_t/(1-\beta_2^t)} + \epsilon}

    :math:`\nu_1 = \nu_2 = 1` is Adam; :math:`\nu = (0.7, 1)` with :math:`\beta = (0.995, 0.999)` is the
    paper's recommended start.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        nus: :math:`(\nu_1, \nu_2)`, each in :math:`[0, 1]`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        cautious: mask update coordinates whose sign disagrees with the gradient (rescaled by the kept fraction).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('exp_avg', 'exp_avg_sq')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        nus: tuple[float, float] = (1.0, 1.0),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        cautious: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        if isinstance(nus, (str, bytes)) or not isinstance(nus, (tuple, list)) or len(nus) != 2:
            raise ValueError(f'QHAdam: nus must be a tuple or list of 2 floats, got {nus!r}')
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            nus=tuple(check_range(self, f'nus[{i}]', nu, 0.0, 1.0, high_inclusive=True) for i, nu in enumerate(nus)),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            cautious=check_bool(self, 'cautious', cautious),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        beta1, beta2 = group['betas']
        nu1, nu2 = group['nus']
        bias_correction1, bias_correction2 = (self.bias_correction(beta, group['step']) for beta in (beta1, beta2))
        # (1 - nu1) g + nu1 m / bc1 = (1 - nu1) (g + ratio m) (m / bc1 for nu1 = 1) and, for nu2 = 1,
        # sqrt(v / bc2) + eps = (sqrt(v) + sqrt(bc2) eps) / sqrt(bc2): the outer factors move into the step size
        step_size = group['lr'] * (1.0 / bias_correction1 if nu1 == 1.0 else 1.0 - nu1)
        if nu2 == 1.0:
            step_size *= math.sqrt(bias_correction2)
        return {
            'lr': group['lr'],
            'step_size': step_size,
            'numer_ratio': nu1 / (bias_correction1 * (1.0 - nu1)) if nu1 < 1.0 else 1.0,
            'denom_scale': nu2 / bias_correction2,
            'denom_eps': group['eps'] * (math.sqrt(bias_correction2) if nu2 == 1.0 else 1.0),
        }

    def _update(
        self, group, params, grads, exp_avg, exp_avg_sq, *, lr, step_size, numer_ratio, denom_scale, denom_eps
    ):
        beta1, beta2 = group['betas']
        nu1, nu2 = group['nus']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, F.cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)

        if nu1 == 1.0:
            numer = exp_avg
        elif isinstance(numer_ratio, float):
            numer = torch._foreach_add(grads, exp_avg, alpha=numer_ratio)
        else:  # the fused path: add's alpha= takes no tensor
            numer = torch._foreach_add(grads, torch._foreach_mul(exp_avg, numer_ratio))
        if nu2 == 1.0:
            denom = torch._foreach_sqrt(exp_avg_sq)
        else:
            denom = torch._foreach_mul(exp_avg_sq, F.cpu_scalar(denom_scale, params[0]))
            torch._foreach_addcmul_(denom, grads, grads, value=1.0 - nu2)
            torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, denom_eps)
        if group['cautious']:
            update = torch._foreach_div(numer, denom)
            F.cautious_(update, grads)
            F.add_scaled_(params, update, -step_size)
        else:
            F.addcdiv_scaled_(params, numer, denom, -step_size)
