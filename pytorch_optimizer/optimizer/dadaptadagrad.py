"""D-Adaptation AdaGrad: learning-rate-free AdaGrad (dual averaging form).

Reference: Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023.
https://arxiv.org/abs/2301.07733 (official code: https://github.com/facebookresearch/dadaptation)
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class DAdaptAdaGrad(BaseOptimizer):
    r"""Diagonal AdaGrad (dual averaging) with a step size :math:`d_k` adapted to the distance to the solution.

    .. math::
        a_k = a_{k-1} + g_k^2, \quad s_k = s_{k-1} + d_k\eta\, g_k, \quad
        \theta_k = \mu\,\theta_{k-1} + (1-\mu)\big(\theta_0 - s_k \oslash (\sqrt{a_k} + \epsilon)\big), \\
        \hat d_{k+1} = \frac{\lVert s_k \rVert^2_{A_k^{-1}} - \sum_{i \le k} (d_i\eta)^2 \lVert g_i\rVert^2_{A_i^{-1}}}
        {\lVert s_k \rVert_1}, \quad d_{k+1} = \max\big(d_k, \min(\hat d_{k+1}, \rho\, d_k)\big)

    with :math:`\lVert x\rVert^2_{A^{-1}} = \sum x^2/(\sqrt{a}+\epsilon)` and :math:`a_0 = 10^{-6}`, as in the
    official code. The weighted sums over the whole group are tracked incrementally as 0-d tensors in the group
    (``d``, ``gsq_weighted``, ``sksq_weighted``, ``skl1``): no host sync. A non-finite gradient anywhere
    skips the step (masked).

    Args:
        params: parameters or parameter groups.
        lr: multiplier :math:`\eta` of the adapted step size (leave at 1).
        momentum: :math:`\mu` (averaging weight of the previous iterate).
        d0: initial estimate :math:`d_0`.
        growth_rate: bound :math:`\rho` on the growth of :math:`d` per step (``inf``: unbounded).
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled decay :math:`\theta(1-\lambda d_k\eta)` instead of L2 added to the gradient.
        fixed_decay: decoupled decay by :math:`\lambda` instead of :math:`\lambda d_k\eta`.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('alpha_k', 'sk', 'x0')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        momentum: float = 0.0,
        d0: float = 1e-6,
        growth_rate: float = math.inf,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        eps: float = 0.0,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            d0=check_range(self, 'd0', d0, 0.0, math.inf, low_inclusive=False),
            growth_rate=check_range(self, 'growth_rate', growth_rate, 1.0, math.inf, high_inclusive=True),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'alpha_k' in keys:
            state['alpha_k'] = torch.full_like(param, 1e-6)
        if 'x0' in keys:
            state['x0'] = param.detach().clone()
        return state

    @staticmethod
    def _denominators(alphas, eps, out):
        """sqrt(a) + eps, per tensor into ``out`` (CPU's reused buffers) or, ``out`` None, by foreach ops."""
        out = torch._foreach_sqrt(alphas) if out is None else [torch.sqrt(a, out=y) for a, y in zip(alphas, out)]
        if eps:
            torch._foreach_add_(out, eps)
        return out

    @staticmethod
    def _weighted(tensors, denoms, out):
        """Per tensor sum(x^2 / denom) (off CPU a 1-norm: the terms are >= 0) and x / denom, as above."""
        if out is None:
            out = torch._foreach_div(tensors, denoms)
            return torch._foreach_norm(torch._foreach_mul(tensors, out), 1), out
        return F.dots(tensors, [torch.div(x, y, out=z) for x, y, z in zip(tensors, denoms, out)]), out

    def _prepare(self, group, params, grads, states):
        # the parameter step needs d_k only: it runs here, batch by batch, while s_k / (sqrt(a_k) + eps) is at hand
        wd, eps = group['weight_decay'], group['eps']
        if wd and not group['weight_decouple']:
            grads = self.into('l2', torch.add, grads, params, alpha=wd)
        ok = F.all_finite(grads)
        grads = F.zero_unless(ok, grads)
        names = ('d', 'gsq_weighted', 'sksq_weighted', 'skl1')
        d, gsq, sksq, skl1 = F.group_scalars(group, params[0], **dict(zip(names, (group['d0'], 0.0, 0.0, 0.0))))
        okf = ok.to(d.dtype)
        dlr = okf * d * group['lr']
        decay = 1.0 - wd * (okf if group['fixed_decay'] else dlr) if wd and group['weight_decouple'] else None
        weight = okf * (1.0 - group['momentum'])
        assign = group['momentum'] == 0.0 and F.host_flag(ok)  # CPU, finite step, no momentum: theta_k = z_k directly
        parts, cpu = {}, params[0].device.type == 'cpu'  # index -> (g_sq, sksq change, skl1 change)
        for idx in self._batches(group, params):
            p, g, x0 = [params[i] for i in idx], [grads[i] for i in idx], [states[i]['x0'] for i in idx]
            sk, alpha = [states[i]['sk'] for i in idx], [states[i]['alpha_k'] for i in idx]
            buf, scratch = (self.scratch(sk, 'denom'), self.scratch(sk, 'work')) if cpu else (None, None)
            denom = self._denominators(alpha, eps, buf)
            old_sq, work = self._weighted(sk, denom, scratch)
            old_l1 = F.l1_norms(sk, work)
            torch._foreach_addcmul_(alpha, g, g)
            denom = self._denominators(alpha, eps, buf)
            g_sq = self._weighted(g, denom, scratch)[0]
            torch._foreach_addcmul_(sk, g, [dlr] * len(g))
            new_sq, work = self._weighted(sk, denom, scratch)  # work = s_k / (sqrt(a_k) + eps) = x0 - z_k
            if assign:
                for x, w, y in zip(p, work, x0):
                    torch.sub(y, w, out=x)
            else:
                if decay is not None:
                    torch._foreach_mul_(p, decay)
                torch._foreach_sub_(work, x0)  # -z_k
                torch._foreach_mul_(p, 1.0 - weight)
                torch._foreach_addcmul_(p, work, [weight] * len(p), value=-1.0)
            new_l1 = F.l1_norms(sk, work)
            parts.update(zip(idx, zip(g_sq, torch._foreach_sub(new_sq, old_sq), torch._foreach_sub(new_l1, old_l1))))
        total = [F.ordered_sum([parts[i][j] for i in range(len(params))], d.dtype) for j in range(3)]
        gsq_new, sksq_new, skl1_new = gsq + dlr * dlr * total[0], sksq + total[1], skl1 + total[2]
        d_new = torch.maximum(d, torch.minimum((sksq_new - gsq_new) / skl1_new, d * group['growth_rate']))
        group['d'] = torch.where(ok & (skl1_new > 0) & torch.isfinite(d_new), d_new, d)
        for name, new, old in zip(names[1:], (gsq_new, sksq_new, skl1_new), (gsq, sksq, skl1)):
            group[name] = torch.where(ok, new, old)

    def _update(self, group, params, grads, alpha_k, sk, x0):
        """Nothing: the step ran in :meth:`_prepare`."""
