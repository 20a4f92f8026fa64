"""AdaBound: Adam whose element-wise step sizes are clipped into bounds converging to SGD's.

Reference: Luo et al., "Adaptive Gradient Methods with Dynamic Bound of Learning Rate", ICLR 2019.
https://arxiv.org/abs/1902.09843
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from pytorch_optimizer.base.functional import add_scaled_, addcdiv_scaled_, cautious_, cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_positive
from pytorch_optimizer.registry import register_optimizer


def _clip_(tensors: list[Tensor], lower: float | Tensor, upper: float | Tensor) -> None:
    """Clip ``tensors`` into ``[lower, upper]`` in place, the bounds floats (eager) or 0-d tensors (fused path):
    one ``clamp_`` pass per tensor on CPU, whose foreach ops loop over the tensors anyway (foreach has no
    two-sided clamp); two foreach ops elsewhere."""
    if isinstance(lower, Tensor) or tensors[0].device.type == 'cpu':
        for t in tensors:
            t.clamp_(min=lower, max=upper)
    else:
        torch._foreach_clamp_min_(tensors, lower)
        torch._foreach_clamp_max_(tensors, upper)


@register_optimizer(variants={'amsbound': {'ams_bound': True}})
class AdaBound(BaseOptimizer):
    r"""Adam with element-wise learning rates clipped into :math:`[\eta_l(t), \eta_u(t)]`.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \eta_l(t) = \alpha^* \Big(1 - \frac{1}{\gamma t + 1}\Big), \quad
        \eta_u(t) = \alpha^* \Big(1 + \frac{1}{\gamma t}\Big), \quad
        \alpha^* = \texttt{final\_lr} \cdot \frac{\eta}{\eta_0}, \\
        \theta_t = \theta_{t-1} - \mathrm{clip}\Big(
            \frac{\eta \sqrt{1-\beta_2^t}}{(1-\beta_1^t)(\sqrt{v_t} + \epsilon)}, \eta_l(t), \eta_u(t)\Big) \odot m_t

    where :math:`\eta_0` is the group's learning rate at construction (so a schedule on :math:`\eta` also
    scales the bounds). With ``ams_bound`` (variant ``amsbound``), :math:`v_t` is the running maximum.
    Follows the authors' code: Adam's bias corrections in the step size and no :math:`1/\sqrt{t}` factor
    (Algorithm 2 of the paper states the analysed form, without bias correction and with :math:`1/\sqrt{t}`).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta` (Adam's, at the start).
        final_lr: :math:`\alpha^*`, the SGD learning rate both bounds converge to.
        betas: :math:`(\beta_1, \beta_2)`.
        gamma: :math:`\gamma`, convergence speed of the bounds.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        ams_bound: use the running maximum of :math:`v_t` (AMSBound).
        adam_debias: AdamD — do not divide the step size by :math:`1-\beta_1^t`.
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
        final_lr: float = 1e-1,
        betas: tuple[float, float] = (0.9, 0.999),
        gamma: float = 1e-3,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        ams_bound: bool = False,
        adam_debias: bool = False,
        cautious: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'ams_bound', 'adam_debias', 'cautious')
        values = (weight_decouple, fixed_decay, ams_bound, adam_debias, cautious)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            final_lr=check_non_negative(self, 'final_lr', final_lr),
            betas=check_betas(self, betas),
            gamma=check_positive(self, 'gamma', gamma),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        group.setdefault('base_lr', group['lr'])  # the bounds follow lr / base_lr under a schedule

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('max_exp_avg_sq',) if group['ams_bound'] else ())

    def _prepare(self, group, params, grads, states):
        beta1, beta2 = group['betas']
        step, lr, gamma = group['step'], group['lr'], group['gamma']
        step_size = lr * math.sqrt(self.bias_correction(beta2, step))
        if not group['adam_debias']:
            step_size /= self.bias_correction(beta1, step)
        final_lr = group['final_lr'] * (lr / group['base_lr'] if group['base_lr'] > 0.0 else 1.0)
        lower, upper = final_lr * (1.0 - 1.0 / (gamma * step + 1.0)), final_lr * (1.0 + 1.0 / (gamma * step))
        # clip(s / d, l, u) m = s m / clip(d, s / u, s / l) for d = sqrt(v) + eps >= 0 and s > 0 (s / 0 = inf):
        # one addcdiv_ instead of a reciprocal, a scaling, a product and a sum; with s = 0 the rate is l
        if step_size == 0.0:
            return {'lr': lr, 'scale': lower, 'denom_min': 1.0, 'denom_max': 1.0}
        denom_min = step_size / upper if upper > 0.0 else math.inf
        denom_max = step_size / lower if lower > 0.0 else math.inf
        return {'lr': lr, 'scale': step_size, 'denom_min': denom_min, 'denom_max': denom_max}

    def _update(
        self, group, params, grads, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, lr, scale, denom_min, denom_max
    ):
        beta1, beta2 = group['betas']
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, cpu_scalar(beta2, params[0]))
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
        if group['ams_bound']:
            torch._foreach_maximum_(max_exp_avg_sq, exp_avg_sq)
            exp_avg_sq = max_exp_avg_sq

        denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_add_(denom, group['eps'])
        _clip_(denom, denom_min, denom_max)
        if group['cautious']:
            update = torch._foreach_div(exp_avg, denom)
            cautious_(update, grads)
            add_scaled_(params, update, -scale)
        else:
            addcdiv_scaled_(params, exp_avg, denom, -scale)
