"""AdamP: Adam with projection of the radial component on scale-invariant weights.

Reference: Heo et al., "AdamP: Slowing Down the Slowdown for Momentum Optimizers on
Scale-invariant Weights", ICLR 2021. https://arxiv.org/abs/2006.08217
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.optimizer._projection import _decay_and_project_, _views
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdamP(BaseOptimizer):
    r"""Adam whose update loses its radial component on scale-invariant weights.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        p_t = \frac{m_t}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}, \\
        q_t = \begin{cases} \Pi_{\theta}(p_t) = p_t - (\hat\theta \cdot p_t)\hat\theta
              & \text{if } \max |\cos(\theta, g_t)| < \delta / \sqrt{\dim} \\ p_t & \text{else} \end{cases}, \quad
        \theta_{t} = \theta_{t-1}(1 - \eta\lambda\nu) - \frac{\eta}{1-\beta_1^t} q_t

    where the cosine and the projection are taken per output channel, else over the whole tensor,
    and :math:`\nu` = ``wd_ratio`` where the projection applied (1 elsewhere). Tensors with at most one
    dimension are never projected.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: weight decay :math:`\lambda`.
        weight_decouple: decoupled decay (the paper's form); else L2 added to the gradient.
        fixed_decay: decay by :math:`\lambda` instead of :math:`\eta\lambda`.
        delta: threshold :math:`\delta` of the scale-invariance test.
        wd_ratio: decay multiplier :math:`\nu` for projected tensors.
        nesterov: use the Nesterov momentum :math:`\beta_1 m_t + (1-\beta_1) g_t` in :math:`p_t`.
        use_gc: centralize gradients before the update.
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not bias-correct the first moment's step size.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 'exp_avg_sq')
    supports_fsdp = False  # the projection's cosine test runs on a Partial DTensor (torch 2.13 rejects abs_)

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        delta: float = 0.1,
        wd_ratio: float = 0.1,
        nesterov: bool = False,
        use_gc: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'nesterov', 'use_gc', 'adanorm', 'adam_debias')
        values = (weight_decouple, fixed_decay, nesterov, use_gc, adanorm, adam_debias)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            delta=check_non_negative(self, 'delta', delta),
            wd_ratio=check_range(self, 'wd_ratio', wd_ratio, 0.0, 1.0, high_inclusive=True),
            r=check_range(self, 'r', r, 0.0, 1.0),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('exp_grad_norm',) if group['adanorm'] else ())

    def _update(self, group, params, grads, exp_avg, exp_avg_sq, exp_grad_norm=None):
        beta1, beta2 = group['betas']
        step, lr, eps, wd = group['step'], group['lr'], group['eps'], group['weight_decay']
        if group['use_gc']:  # centered copies in dead buffers (the gradients are the user's)
            grads = F.centralize_gradients(grads, out=self.scratch(grads, 'centered'))
        if not group['weight_decouple'] and wd != 0.0:
            grads = self.into('l2', torch.add, grads, params, alpha=wd)
        torch._foreach_lerp_(
            exp_avg, F.adanorm_grads(grads, exp_grad_norm, group['r']) if group['adanorm'] else grads, 1.0 - beta1
        )
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1.0 - beta2)

        numer = exp_avg
        if group['nesterov']:
            numer = [
                torch.lerp(m, g, 1.0 - beta1, out=n) for m, g, n in zip(exp_avg, grads, self.scratch(grads, 'nag'))
            ]
        # m / (sqrt(v / bc2) + eps) = s m / (sqrt(v) + s eps) with s = sqrt(bc2): s joins the step size
        s = math.sqrt(self.bias_correction(beta2, step))
        step_size = s * (lr if group['adam_debias'] else lr / self.bias_correction(beta1, step))
        decay = (1.0 if group['fixed_decay'] else lr) * wd if group['weight_decouple'] else 0.0
        if on_cpu := params[0].device.type == 'cpu':  # per tensor into reused buffers (fresh ones page-fault)
            denom = self.into('denom', torch.sqrt, exp_avg_sq)
        else:  # one launch for the batch
            denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_add_(denom, s * eps)
        views = _views(params, grads, group['delta'], eps)
        projected = [i for i, view in enumerate(views) if view]
        nums, dens = [numer[i] for i in projected], [denom[i] for i in projected]
        if on_cpu or not projected:
            nums = [torch.div(n, d, out=u) for n, d, u in zip(nums, dens, self.scratch(nums, 'update'))]
        else:
            nums = torch._foreach_div(nums, dens)
        quotients = iter(nums)  # the update m / denom, written out where it is projected
        updates = [next(quotients) if view else n for n, view in zip(numer, views)]
        _decay_and_project_(params, grads, updates, views, group, step_size, decay)
        torch._foreach_addcdiv_(params, numer, denom, value=-step_size)
