"""AdamS: Adam with stable weight decay.

Reference: Xie et al., "On the Overlooked Pitfalls of Weight Decay and How to Mitigate Them: A Gradient-Norm
Perspective", NeurIPS 2023. https://arxiv.org/abs/2011.11152
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdamS(BaseOptimizer):
    r"""Adam whose decoupled weight decay is divided by the root of the mean second moment.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \hat v_t = \frac{v_t}{1-\beta_2^t}, \quad \bar v_t = \mathrm{mean}(\hat v_t), \\
        \theta_t = \theta_{t-1}\Big(1 - \frac{\eta\lambda}{\sqrt{\bar v_t} + \epsilon}\Big)
            - \frac{\eta}{1-\beta_1^t} \frac{m_t}{\sqrt{\hat v_t} + \epsilon}

    :math:`\bar v_t` is the mean over every element of the group (the paper's whole model is one group);
    the :math:`\epsilon` added to :math:`\sqrt{\bar v_t}` (not in the paper) avoids a division by zero when
    all gradients vanish. ``fixed_decay`` drops :math:`\eta` from the decay; ``weight_decouple=False`` adds
    :math:`\lambda\theta` to the gradient instead (plain L2, no stable scaling). ``ams_bound`` uses the
    running maximum of :math:`v_t` in both places. A non-finite gradient anywhere in the group skips the
    group's step (parameters unchanged; the moments see a zero gradient).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: :math:`\lambda`.
        weight_decouple: stable decoupled decay (the paper's); else L2 added to the gradient.
        fixed_decay: decay by :math:`\lambda / (\sqrt{\bar v_t}+\epsilon)` without :math:`\eta`.
        ams_bound: use the running maximum of :math:`v_t` (AMSGrad).
        r: AdaNorm's gradient-norm EMA coefficient (used with ``adanorm``).
        adanorm: AdaNorm-correct the gradient fed to :math:`m_t`.
        adam_debias: AdamD — do not divide the step size by :math:`1-\beta_1^t`.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 'exp_avg_sq')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 1e-4,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        ams_bound: bool = False,
        r: float = 0.95,
        adanorm: bool = False,
        adam_debias: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'ams_bound', 'adanorm', 'adam_debias')
        values = (weight_decouple, fixed_decay, ams_bound, adanorm, adam_debias)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            r=check_range(self, 'r', r, 0.0, 1.0),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        extra = (('max_exp_avg_sq',) if group['ams_bound'] else ()) + (('exp_grad_norm',) if group['adanorm'] else ())
        return self.state_keys + extra

    def _prepare(self, group, params, grads, states):
        """Update the moments of the whole group first: the decay of every tensor needs :math:`\\bar v_t`."""
        beta1, beta2 = group['betas']
        ok = torch.isfinite(F.global_norm(grads))
        grads = F.zero_unless(ok, grads)
        if not group['weight_decouple'] and group['weight_decay'] > 0.0:
            grads = torch._foreach_add(grads, params, alpha=group['weight_decay'])  # never into p.grad
        if group['adanorm']:  # per-tensor gradient norms: on whole tensors, before slicing
            moment_grads = F.adanorm_grads(grads, [s['exp_grad_norm'] for s in states], group['r'])
        else:
            moment_grads = grads
        keys = ('exp_avg', 'exp_avg_sq') + (('max_exp_avg_sq',) if group['ams_bound'] else ())
        decoupled = group['weight_decouple'] and group['weight_decay'] > 0.0
        sums, beta2_t = [], F.cpu_scalar(beta2, params[0])
        # cache-sized slices (base ``_cache_chunks``): v is updated and summed while it is in cache
        for gs, mgs, moments in self._cache_chunks(grads, moment_grads, states, keys):
            torch._foreach_lerp_(moments['exp_avg'], mgs, 1.0 - beta1)
            torch._foreach_mul_(moments['exp_avg_sq'], beta2_t)
            torch._foreach_addcmul_(moments['exp_avg_sq'], gs, gs, value=1.0 - beta2)
            if group['ams_bound']:
                torch._foreach_maximum_(moments['max_exp_avg_sq'], moments['exp_avg_sq'])
            if decoupled:
                sums += F.nonnegative_sums(moments[keys[-1]])

        decay = torch.ones((), dtype=params[0].dtype, device=params[0].device)
        if decoupled:
            numel = sum(p.numel() for p in params)
            mean = torch.stack(sums).sum() / (numel * self.bias_correction(beta2, group['step']))
            wd = group['weight_decay'] * (1.0 if group['fixed_decay'] else group['lr'])
            decay = 1.0 - wd / (mean.sqrt() + group['eps'])
        ok = ok & torch.isfinite(decay)
        return {'decay': torch.where(ok, decay, 1.0), 'ok': ok}

    def _update(
        self, group, params, grads, exp_avg, exp_avg_sq, max_exp_avg_sq=None, exp_grad_norm=None, *, decay, ok
    ):
        beta1, beta2 = group['betas']
        step = group['step']
        flag = F.host_flag(ok)  # CPU: read on the host, no masked temporary; elsewhere a 0-d mask
        if flag is False:  # a non-finite gradient or decay: nothing changes
            return
        # m / (sqrt(v / bc2) + eps) = sqrt(bc2) * m / (sqrt(v) + eps * sqrt(bc2)): no pass dividing by sqrt(bc2)
        bc2_sqrt = math.sqrt(self.bias_correction(beta2, step))
        step_size = group['lr'] if group['adam_debias'] else group['lr'] / self.bias_correction(beta1, step)
        step_size, eps = step_size * bc2_sqrt, F.cpu_scalar(group['eps'] * bc2_sqrt, params[0])
        pieces = [(params, exp_avg, max_exp_avg_sq if group['ams_bound'] else exp_avg_sq)]
        if len(params) == 1:  # a tensor larger than a cache batch comes alone: update its slices in turn, so
            # the denominator (a scratch slice) and the parameter stay in cache between the passes
            pieces = [([p], [m], [v]) for p, m, v in F.cache_slices([t[0] for t in pieces[0]], self.cache_chunk)]
        for ps, ms, vs in pieces:
            if group['weight_decouple'] and group['weight_decay'] > 0.0:
                torch._foreach_mul_(ps, decay)
            denom = self.into('denom', torch.sqrt, vs)
            torch._foreach_add_(denom, eps)
            if flag is None:
                F.addcdiv_scaled_(ps, ms, denom, ok.to(ps[0].dtype) * -step_size)
            else:
                torch._foreach_addcdiv_(ps, ms, denom, value=-step_size)
