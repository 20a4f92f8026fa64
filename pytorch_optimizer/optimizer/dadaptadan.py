"""D-Adaptation Adan: learning-rate-free Adan.

Reference: Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023,
https://arxiv.org/abs/2301.07733, applied to Adan (Xie et al., "Adan: Adaptive Nesterov Momentum Algorithm",
https://arxiv.org/abs/2208.06677) as in the official code: https://github.com/facebookresearch/dadaptation
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class DAdaptAdan(BaseOptimizer):
    r"""Adan whose step size :math:`d_k` is a running lower bound on the distance to the solution.

    .. math::
        \gamma_k = d_k\eta, \quad \Delta_k = g_k - g_{k-1}, \quad u_k = g_k + \beta_2 \Delta_k, \quad
        m_k = \beta_1 m_{k-1} + (1-\beta_1)\gamma_k g_k, \quad n_k = \beta_2 n_{k-1} + (1-\beta_2)\gamma_k\Delta_k, \\
        v_k = \beta_3 v_{k-1} + (1-\beta_3) u_k^2, \quad s_k = \beta_3 s_{k-1} + (1-\beta_3)\gamma_k g_k, \quad
        G_k = \beta_3 G_{k-1} + (1-\beta_3)\gamma_k^2 \lVert g_k\rVert^2_{V_k^{-1}}, \\
        \theta_k = \big(\theta_{k-1} - (m_k + \beta_2 n_k) \oslash (\sqrt{v_k}+\epsilon)\big) / (1 + \lambda\gamma_k),
        \quad d_{k+1} = \max\Big(d_k, \min\big(\tfrac{\lVert s_k\rVert^2_{V_k^{-1}}/(1-\beta_3) - G_k}
        {\lVert s_k\rVert_1}, \rho\, d_k\big)\Big)

    with :math:`\lVert x\rVert^2_{V^{-1}} = \sum x^2/(\sqrt{v}+\epsilon)`, :math:`\Delta_1 = 0` and
    :math:`\rho` the growth rate. The sums run over the whole group and are kept as 0-d tensors in the group
    (``d``, ``gsq_weighted``): no host sync. A non-finite gradient anywhere skips the step (masked).
    ``weight_decouple`` selects the official ``no_prox`` form :math:`\theta(1-\lambda\gamma_k) - \dots`.

    Args:
        params: parameters or parameter groups.
        lr: multiplier :math:`\eta` of the adapted step size (leave at 1).
        betas: :math:`(\beta_1, \beta_2, \beta_3)`.
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled decay instead of Adan's proximal decay.
        d0: initial estimate :math:`d_0`.
        growth_rate: bound :math:`\rho` on the growth of :math:`d` per step (``inf``: unbounded).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('s', 'exp_avg', 'exp_avg_diff', 'exp_avg_sq')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        betas: tuple[float, float, float] = (0.98, 0.92, 0.99),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        d0: float = 1e-6,
        growth_rate: float = math.inf,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas, length=3),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            d0=check_range(self, 'd0', d0, 0.0, math.inf, low_inclusive=False),
            growth_rate=check_range(self, 'growth_rate', growth_rate, 1.0, math.inf, high_inclusive=True),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        # the whole step runs here, one batch (on CPU one tensor) at a time: the group statistic and the
        # parameter step share each tensor's denominator sqrt(v) + eps
        beta1, beta2, beta3 = group['betas']
        wd, eps = group['weight_decay'], group['eps']
        ok = F.all_finite(grads)
        grads = F.zero_unless(ok, grads)
        d, gsq = F.group_scalars(group, params[0], d=group['d0'], gsq_weighted=0.0)
        okf = ok.to(d.dtype)
        dlr = okf * d * group['lr']
        for state, g in zip(states, grads):
            if 'previous_grad' not in state:  # a parameter's first step has no gradient difference
                state['previous_grad'] = g.clone()
        # CPU: the flag is read on the host (no device to wait for): a non-finite step stops here and the
        # tensors need no masks; elsewhere the masks make it a no-op without a host sync
        on_host = F.host_flag(ok)  # True on CPU once the step goes on, None elsewhere
        if on_host is False:
            return
        decays = [okf * beta + (1.0 - okf) for beta in (beta1, beta2, beta3)]
        scales = [dlr * (1.0 - beta) for beta in (beta1, beta2, beta3)]
        parts = {}
        for idx in self._batches(group, params):
            p, g, prev = [params[i] for i in idx], [grads[i] for i in idx], [states[i]['previous_grad'] for i in idx]
            m, n, v, s = ([states[i][k] for i in idx] for k in self.state_keys[1:] + ('s',))
            if on_host:  # temporaries per tensor in buffers reused between steps (no page faults); else foreach ops
                diff, update, denom = (self.scratch(g, slot) for slot in ('diff', 'update', 'denom'))
                for x, y, a, b in zip(g, prev, diff, update):
                    torch.add(x, torch.sub(x, y, out=a), alpha=beta2, out=b)
            else:
                diff = torch._foreach_sub(g, prev)
                update = torch._foreach_add(g, diff, alpha=beta2)
                torch._foreach_mul_(update, okf)
            for buf, decay, scale, x in zip((m, n, s), decays, scales, (g, diff, g)):
                torch._foreach_mul_(buf, decay)
                torch._foreach_addcmul_(buf, x, [scale] * len(x))
            torch._foreach_mul_(v, decays[2])
            torch._foreach_addcmul_(v, update, update, value=1.0 - beta3)
            denom = [torch.sqrt(x, out=y) for x, y in zip(v, denom)] if on_host else torch._foreach_sqrt(v)
            torch._foreach_add_(denom, eps)
            if on_host:  # the temporaries are dead now: they hold g^2 / denom, s^2 / denom and |s| for the sums
                g_sq = [torch.mul(x, x, out=y).div_(z).sum() for x, y, z in zip(g, update, denom)]
                s_sq = [torch.mul(x, x, out=y).div_(z).sum() for x, y, z in zip(s, diff, denom)]
                parts.update(zip(idx, zip(g_sq, s_sq, (torch.abs(x, out=y).sum() for x, y in zip(s, diff)))))
                update = [torch.add(x, y, alpha=beta2, out=z) for x, y, z in zip(m, n, update)]
            else:  # g and s in the same ops (joined lists); the sums of terms >= 0 are 1-norms
                sq = torch._foreach_mul(g + s, g + s)
                torch._foreach_div_(sq, denom * 2)
                sums = torch._foreach_norm([*sq, *s], 1)
                parts.update(zip(idx, zip(*(sums[j * len(g) : (j + 1) * len(g)] for j in range(3)))))
                update = torch._foreach_add(m, n, alpha=beta2)
            if wd and group['weight_decouple']:
                torch._foreach_mul_(p, 1.0 - dlr * wd)
            if on_host:
                torch._foreach_addcdiv_(p, update, denom, value=-1.0)
                F.copy_(prev, g)
            else:
                F.addcdiv_scaled_(p, update, denom, -okf)
                torch._foreach_mul_(prev, 1.0 - okf)
                torch._foreach_add_(prev, g)
            if wd and not group['weight_decouple']:
                torch._foreach_div_(p, 1.0 + dlr * wd)
        total = [F.ordered_sum([parts[i][j] for i in range(len(params))], d.dtype) for j in range(3)]
        gsq_new = beta3 * gsq + (1.0 - beta3) * dlr * dlr * total[0]
        d_hat = (total[1] / (1.0 - beta3) - gsq_new) / total[2]
        d_new = torch.maximum(d, torch.minimum(d_hat, d * group['growth_rate']))
        group['d'] = torch.where(ok & (total[2] > 0) & torch.isfinite(d_new), d_new, d)
        group['gsq_weighted'] = torch.where(ok, gsq_new, gsq)

    def _update(self, group, params, grads, **states):
        """Nothing left: :meth:`_prepare` ran the step."""
