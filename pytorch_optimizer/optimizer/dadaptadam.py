"""D-Adaptation Adam: learning-rate-free Adam.

Reference: Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023.
https://arxiv.org/abs/2301.07733 (official code: https://github.com/facebookresearch/dadaptation)
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.functional import addcdiv_scaled_, all_finite, group_scalars, ordered_sum, zero_unless
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class DAdaptAdam(BaseOptimizer):
    r"""Adam whose step size :math:`d_k` is a running lower bound on the distance to the solution.

    .. math::
        \gamma_k = d_k \eta c_k, \quad
        r_k = \sqrt{\beta_2} r_{k-1}
        + (1-\sqrt{\beta_2})\gamma_k \langle g_k, s_{k-1} \oslash (\sqrt{v_{k-1}}+\epsilon)\rangle, \\
        s_k = \sqrt{\beta_2} s_{k-1} + (1-\sqrt{\beta_2}) \gamma_k g_k, \quad
        m_k = \beta_1 m_{k-1} + (1-\beta_1)\gamma_k g_k, \quad v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k^2, \quad
        \theta_k = \theta_{k-1}(1 - \lambda\gamma_k) - \frac{m_k}{\sqrt{v_k}+\epsilon}, \\
        d_{k+1} = \max\Big(d_k, \min\big(\tfrac{r_k}{(1-\sqrt{\beta_2})\lVert s_k\rVert_1}, \rho\, d_k\big)\Big)

    with :math:`c_k = \sqrt{1-\beta_2^k}/(1-\beta_1^k)` if ``bias_correction`` else 1 and :math:`\rho` the
    growth rate. The sums run over the whole parameter group and are kept as 0-d tensors in the group
    (``d``, ``numerator_weighted``): no host sync. A non-finite gradient anywhere skips the step (masked).
    As in the official code, :math:`d` is shared per group (the official code shares it over all groups).

    Args:
        params: parameters or parameter groups.
        lr: multiplier :math:`\eta` of the adapted step size (leave at 1).
        betas: :math:`(\beta_1, \beta_2)`.
        d0: initial estimate :math:`d_0`.
        growth_rate: bound :math:`\rho` on the growth of :math:`d` per step (``inf``: unbounded).
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled decay :math:`\theta(1-\lambda\gamma_k)` instead of L2 added to the gradient.
        fixed_decay: decoupled decay by :math:`\lambda` instead of :math:`\lambda\gamma_k`.
        bias_correction: use Adam's bias correction :math:`c_k`.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('s', 'exp_avg', 'exp_avg_sq')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        betas: tuple[float, float] = (0.9, 0.999),
        d0: float = 1e-6,
        growth_rate: float = math.inf,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        bias_correction: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            d0=check_range(self, 'd0', d0, 0.0, math.inf, low_inclusive=False),
            growth_rate=check_range(self, 'growth_rate', growth_rate, 1.0, math.inf, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            bias_correction=check_bool(self, 'bias_correction', bias_correction),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        # the whole step needs d_k only, so it runs here, batch by batch, while the batch is in cache: _update
        # has nothing left to do
        beta1, beta2 = group['betas']
        sqrt_beta2, step, wd, eps = math.sqrt(beta2), group['step'], group['weight_decay'], group['eps']
        if wd and not group['weight_decouple']:
            grads = self.into('l2', torch.add, grads, params, alpha=wd)
        ok = all_finite(grads)
        grads = zero_unless(ok, grads)
        d, numerator = group_scalars(group, params[0], d=group['d0'], numerator_weighted=0.0)
        okf = ok.to(d.dtype)
        scale = math.sqrt(1.0 - beta2**step) / (1.0 - beta1**step) if group['bias_correction'] else 1.0
        dlr = okf * d * (group['lr'] * scale)
        s_decay, s_scale = okf * sqrt_beta2 + (1.0 - okf), dlr * (1.0 - sqrt_beta2)
        m_decay, m_scale, v_decay = okf * beta1 + (1.0 - okf), dlr * (1.0 - beta1), okf * beta2 + (1.0 - okf)
        decay = 1.0 - wd * (okf if group['fixed_decay'] else dlr) if wd and group['weight_decouple'] else None
        flag, cpu = F.host_flag(ok), params[0].device.type == 'cpu'  # CPU: read on the host instead of a mask pass
        dots, norms = {}, {}
        for idx in self._batches(group, params):
            p, g = [params[i] for i in idx], [grads[i] for i in idx]
            s, m, v = ([states[i][k] for i in idx] for k in ('s', 'exp_avg', 'exp_avg_sq'))
            # temporaries per tensor into reused buffers on CPU, by foreach ops elsewhere (one launch per batch)
            denom = self.into('denom', torch.sqrt, v)
            torch._foreach_add_(denom, eps)
            denom = [torch.div(x, w, out=w) for x, w in zip(s, denom)] if cpu else torch._foreach_div(s, denom)
            dots.update(zip(idx, F.dots(g, denom)))
            torch._foreach_mul_(s, s_decay)
            torch._foreach_addcmul_(s, g, [s_scale] * len(s))
            norms.update(zip(idx, F.l1_norms(s, denom)))
            torch._foreach_mul_(m, m_decay)
            torch._foreach_addcmul_(m, g, [m_scale] * len(g))
            torch._foreach_mul_(v, v_decay)
            torch._foreach_addcmul_(v, g, g, value=1.0 - beta2)
            if decay is not None:
                torch._foreach_mul_(p, decay)
            denom = self.into('denom', torch.sqrt, v)  # (on CPU the same buffers, dead again)
            torch._foreach_add_(denom, eps)
            if flag is None:
                addcdiv_scaled_(p, m, denom, -ok.to(m[0].dtype))
            elif flag:
                torch._foreach_addcdiv_(p, m, denom, value=-1.0)
        n = range(len(params))
        numerator_new = sqrt_beta2 * numerator + (1.0 - sqrt_beta2) * dlr * ordered_sum([dots[i] for i in n], d.dtype)
        s_l1 = ordered_sum([norms[i] for i in n], d.dtype)
        d_hat = numerator_new / ((1.0 - sqrt_beta2) * s_l1)
        d_new = torch.maximum(d, torch.minimum(d_hat, d * group['growth_rate']))
        group['d'] = torch.where(ok & (s_l1 > 0) & torch.isfinite(d_new), d_new, d)
        group['numerator_weighted'] = torch.where(ok, numerator_new, numerator)

    def _update(self, group, params, grads, s, exp_avg, exp_avg_sq):
        """Nothing: the step ran in :meth:`_prepare`."""
