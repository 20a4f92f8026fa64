"""Prodigy: an expeditiously adaptive parameter-free learner.

Reference: Mishchenko & Defazio, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner", ICML 2024.
https://arxiv.org/abs/2306.06101 (official code: https://github.com/konstmish/prodigy)
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.optimizer._prodigy_estimate import advance_d, group_dot_sum, s_l1_sum
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Prodigy(BaseOptimizer):
    r"""Adam with D-Adaptation's step size, estimated from the distance travelled from :math:`\theta_0`.

    .. math::
        \gamma_k = d_k\eta c_k, \quad
        r_k = \beta_3 r_{k-1} + \tfrac{d_k}{d_0}\gamma_k \langle g_k, \theta_0 - \theta_{k-1}\rangle, \quad
        s_k = \beta_3 s_{k-1} + \tfrac{d_k}{d_0}\gamma_k g_k, \quad
        \hat d_k = \kappa\, r_k / \lVert s_k\rVert_1, \quad
        d^{max}_k = \max(d^{max}_{k-1}, \hat d_k), \quad d_{k+1} = \min(d^{max}_k, \rho\, d_k), \\
        m_k = \beta_1 m_{k-1} + (1-\beta_1) d_k g_k, \quad v_k = \beta_2 v_{k-1} + (1-\beta_2) d_k^2 g_k^2, \quad
        \theta_k = \theta_{k-1}(1 - \lambda\gamma_k) - \gamma_k\, m_k \oslash (\sqrt{v_k} + d_{k+1}\epsilon)

    with :math:`c_k` Adam's bias correction (1 without ``bias_correction``). As in the official update, ``d_max``
    tracks the largest estimate and the first step may jump straight to it. The sums run over the whole group
    as 0-d tensors in the group (``d``, ``d_max``, ``d_numerator``): no host sync. A non-finite gradient
    anywhere skips the step: nothing changes.

    Args:
        params: parameters or parameter groups.
        lr: multiplier :math:`\eta` of the adapted step size (leave at 1).
        betas: :math:`(\beta_1, \beta_2)`.
        beta3: :math:`\beta_3` of the estimate's running sums (``None``: :math:`\sqrt{\beta_2}`).
        d0: initial estimate :math:`d_0`.
        d_coef: multiplier :math:`\kappa` of the estimate.
        growth_rate: bound :math:`\rho` on the growth of :math:`d` per step (``inf``: unbounded).
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled decay (AdamW style) instead of L2 added to the gradient.
        fixed_decay: decoupled decay by :math:`\lambda` instead of :math:`\lambda\gamma_k`.
        bias_correction: use Adam's bias correction :math:`c_k = \sqrt{1-\beta_2^k}/(1-\beta_1^k)`.
        safeguard_warmup: leave :math:`\eta c_k` out of :math:`s_k` (safer with a warm-up schedule).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('s', 'p0', 'exp_avg', 'exp_avg_sq')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        betas: tuple[float, float] = (0.9, 0.999),
        beta3: float | None = None,
        d0: float = 1e-6,
        d_coef: float = 1.0,
        growth_rate: float = math.inf,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        bias_correction: bool = False,
        safeguard_warmup: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            beta3=None if beta3 is None else check_range(self, 'beta3', beta3, 0.0, 1.0),
            d0=check_range(self, 'd0', d0, 0.0, math.inf, low_inclusive=False),
            d_coef=check_range(self, 'd_coef', d_coef, 0.0, math.inf, low_inclusive=False),
            growth_rate=check_range(self, 'growth_rate', growth_rate, 1.0, math.inf, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            bias_correction=check_bool(self, 'bias_correction', bias_correction),
            safeguard_warmup=check_bool(self, 'safeguard_warmup', safeguard_warmup),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'p0' in keys:
            state['p0'] = param.detach().clone()
        return state

    def is_elementwise(self, group: dict) -> bool:
        return True  # the group's sums are taken in _prepare: the update itself may run on slices of tensors

    def _prepare(self, group, params, grads, states):
        # two passes over batches of whole tensors: the dots <g, theta_0 - theta>, then the sums s and their 1-norms
        beta1, beta2 = group['betas']
        beta3 = math.sqrt(beta2) if group['beta3'] is None else group['beta3']
        step, wd, d0 = group['step'], group['weight_decay'], group['d0']
        if wd and not group['weight_decouple']:
            grads[:] = self.into('l2', torch.add, grads, params, alpha=wd)
        d, d_max, numerator = F.group_scalars(group, params[0], d=d0, d_max=d0, d_numerator=0.0)
        batches = self._batches(group, params)
        dot_sum = group_dot_sum(self, batches, params, grads, states, d.dtype)
        # a non-finite gradient makes its dot, so the sum, non-finite: only a non-finite sum needs the full check
        ok = torch.isfinite(dot_sum)
        if F.host_flag(ok) is not True:
            ok = F.all_finite(grads)
            if F.host_flag(ok) is False:
                return {'scalars': None}  # CPU: the flag is read on the host, and nothing has changed yet
        grads[:], okf = F.zero_unless(ok, grads), ok.to(d.dtype)
        scale = math.sqrt(1.0 - beta2**step) / (1.0 - beta1**step) if group['bias_correction'] else 1.0
        dlr = okf * d * (group['lr'] * scale)
        s_rate = (d / d0) * (okf * d if group['safeguard_warmup'] else dlr)
        s_decay = okf * beta3 + (1.0 - okf)
        l1_sum = s_l1_sum(self, batches, grads, states, s_decay, s_rate, d.dtype)
        numerator_new = beta3 * numerator + (d / d0) * dlr * dot_sum
        d_new = advance_d(group, ok, d, d_max, numerator_new, l1_sum)
        group['d_numerator'] = torch.where(ok, numerator_new, numerator)
        decay = 1.0 - wd * (okf if group['fixed_decay'] else dlr) if wd and group['weight_decouple'] else None
        return {'scalars': (d, dlr, okf * (1.0 - beta1), okf * (1.0 - beta2), d_new * group['eps'], decay)}

    def _update(self, group, params, grads, s, p0, exp_avg, exp_avg_sq, scalars):
        if scalars is None:
            return
        d, dlr, m_weight, v_weight, eps, decay = scalars
        if grads[0].dtype == d.dtype:  # d_k g, per tensor into reused buffers on CPU, else one foreach launch
            w = self.into('work', torch.mul, grads, d)
        else:  # bf16: foreach's product with a 0-d float32 d would be float32
            w = [torch.mul(x, d, out=y) for x, y in zip(grads, self.scratch(grads, 'work'))]
        torch._foreach_lerp_(exp_avg, w, [m_weight] * len(w))  # beta1 m + (1 - beta1) d_k g
        torch._foreach_mul_(w, w)
        torch._foreach_lerp_(exp_avg_sq, w, [v_weight] * len(w))  # beta2 v + (1 - beta2) d_k^2 g^2
        if decay is not None:
            torch._foreach_mul_(params, decay)
        w = self.into('work', torch.sqrt, exp_avg_sq)  # (on CPU the same buffers, dead again)
        torch._foreach_add_(w, eps, alpha=1.0)  # alpha= selects the 0-d tensor overload: no host read
        w = self.into('work', torch.div, exp_avg, w)
        torch._foreach_addcmul_(params, w, [dlr] * len(w), value=-1.0)
