"""AvaGrad: Adam with delayed, normalized second-moment step sizes.

Reference: Savarese et al., "Domain-independent Dominance of Adaptive Methods", CVPR 2021.
https://arxiv.org/abs/1912.01823
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base.functional import global_norm, zero_unless
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AvaGrad(BaseOptimizer):
    r"""Adam whose step sizes come from the previous second moment and are normalized over the group.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        \eta_t = \frac{1}{\sqrt{v_{t-1}/(1-\beta_2^{t-1})} + \epsilon}, \\
        \theta_t = \theta_{t-1} - \frac{\alpha}{1-\beta_1^t}\,
            \frac{\eta_t}{\lVert \eta_t \rVert_2 / \sqrt{d}} \odot m_t, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2

    where :math:`d` is the number of elements of the group. Follows the authors' code: Adam's bias
    corrections (not in the paper's Algorithm 1) and hence no parameter step at :math:`t = 1`, where
    :math:`v_0` carries no estimate. A non-finite gradient anywhere in the group skips the group's step
    (parameters unchanged; the moments see a zero gradient).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\alpha`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled (AdamW-style) decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        adam_debias: AdamD — do not divide the step size by :math:`1-\beta_1^t`.
        eps: :math:`\epsilon` (large by design: it bounds :math:`\eta_t` by :math:`1/\epsilon`).
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 'exp_avg_sq')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-1,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        adam_debias: bool = False,
        eps: float = 1e-1,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'adam_debias')
        values = (weight_decouple, fixed_decay, adam_debias)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def _rates(self, group, exp_avg_sq):
        r""":math:`\eta_t` from :math:`v_{t-1}`, in ``scratch`` buffers (dead after the caller's use)."""
        bias_correction = self.bias_correction(group['betas'][1], group['step'] - 1)
        rates = self.into('rates', torch.div, exp_avg_sq, bias_correction)
        torch._foreach_sqrt_(rates)
        torch._foreach_add_(rates, group['eps'])
        torch._foreach_reciprocal_(rates)
        return rates

    def _prepare(self, group, params, grads, states):
        ok = torch.isfinite(global_norm(grads))
        scale = torch.zeros((), dtype=params[0].dtype, device=params[0].device)
        if group['step'] > 1:  # ||eta_t||, batch by batch: the rates of the whole group are never held at once
            norms = {}
            for idx in self._batches(group, params):
                norms.update(zip(idx, torch._foreach_norm(self._rates(group, [states[i]['exp_avg_sq'] for i in idx]))))
            rates_norm = torch.linalg.vector_norm(torch.stack([norms[i] for i in range(len(params))]))
            scale = math.sqrt(sum(p.numel() for p in params)) / rates_norm
            ok = ok & torch.isfinite(scale)
        return {'scale': torch.where(ok, scale, 0.0), 'ok': ok}

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, scale, ok):
        beta1, beta2 = group['betas']
        step, lr, wd = group['step'], group['lr'], group['weight_decay']
        grads = zero_unless(ok, grads)
        if wd > 0.0:
            if group['weight_decouple']:
                torch._foreach_mul_(
                    params, 1.0 - ok.to(params[0].dtype) * (wd * (1.0 if group['fixed_decay'] else lr))
                )
            else:  # never into p.grad
                grads = self.into('l2', torch.add, grads, params, alpha=wd)
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta1)
        if step > 1:
            update = self._rates(group, exp_avg_sq)
            torch._foreach_mul_(update, exp_avg)
            step_size = lr if group['adam_debias'] else lr / self.bias_correction(beta1, step)
            torch._foreach_mul_(update, scale * -step_size)
            torch._foreach_add_(params, update)
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)
