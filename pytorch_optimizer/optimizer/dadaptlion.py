"""D-Adaptation Lion: learning-rate-free Lion.

Reference: Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023,
https://arxiv.org/abs/2301.07733, applied to Lion (Chen et al., https://arxiv.org/abs/2302.06675) as in the
official code: https://github.com/facebookresearch/dadaptation
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.functional import all_finite, group_scalars, ordered_sum, zero_unless
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class DAdaptLion(BaseOptimizer):
    r"""Lion whose step size :math:`d_k` is a running lower bound on the distance to the solution.

    .. math::
        \gamma_k = d_k\eta, \quad u_k = \mathrm{sign}(\beta_1 m_{k-1} + (1-\beta_1) g_k), \quad
        \theta_k = \theta_{k-1}(1 - \lambda\gamma_k) - \gamma_k u_k, \quad
        m_k = \beta_2 m_{k-1} + (1-\beta_2)\gamma_k g_k, \\
        r_k = \sqrt{\beta_2} r_{k-1} + (1-\sqrt{\beta_2})\gamma_k\langle u_k, s_{k-1}\rangle, \quad
        s_k = \sqrt{\beta_2} s_{k-1} + (1-\sqrt{\beta_2})\gamma_k u_k, \quad
        d_{k+1} = \max\Big(d_k, \frac{r_k}{(1-\sqrt{\beta_2})\lVert s_k\rVert_1}\Big)

    The sums run over the whole parameter group and are kept as 0-d tensors in the group (``d``,
    ``numerator_weighted``): no host sync. A non-finite gradient anywhere skips the step (masked).
    As in the official code the momentum accumulates :math:`\gamma_k g_k` (so early signs follow :math:`g_k`).

    Args:
        params: parameters or parameter groups.
        lr: multiplier :math:`\eta` of the adapted step size (leave at 1).
        betas: :math:`(\beta_1, \beta_2)`.
        d0: initial estimate :math:`d_0`.
        weight_decay: :math:`\lambda`.
        weight_decouple: decoupled decay (the official form) instead of L2 added to the gradient.
        fixed_decay: decoupled decay by :math:`\lambda` instead of :math:`\lambda\gamma_k`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg', 's')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        betas: tuple[float, float] = (0.9, 0.999),
        d0: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            d0=check_range(self, 'd0', d0, 0.0, math.inf, low_inclusive=False),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def _prepare(self, group, params, grads, states):
        # the sign direction, the parameter step and the sums run here, one batch (on CPU one tensor) at a
        # time, so that the direction is computed once and the tensors are still in cache; the momentum
        # follows in _update
        given = grads
        beta1, beta2 = group['betas']
        sqrt_beta2, wd = math.sqrt(beta2), group['weight_decay']
        if wd and not group['weight_decouple']:
            grads = torch._foreach_add(grads, params, alpha=wd)
        ok = all_finite(grads)
        grads = zero_unless(ok, grads)
        d, numerator = group_scalars(group, params[0], d=group['d0'], numerator_weighted=0.0)
        okf = ok.to(d.dtype)
        dlr = okf * d * group['lr']
        decay = 1.0 - wd * (okf if group['fixed_decay'] else dlr) if wd and group['weight_decouple'] else None
        s_decay, s_scale = okf * sqrt_beta2 + (1.0 - okf), dlr * (1.0 - sqrt_beta2)
        parts = {}
        for idx in self._batches(group, params):
            p, g = [params[i] for i in idx], [grads[i] for i in idx]
            m, s = [states[i]['exp_avg'] for i in idx], [states[i]['s'] for i in idx]
            update = torch._foreach_lerp(m, g, 1.0 - beta1)
            torch._foreach_sign_(update)
            dots = F.dots(update, s)
            if decay is not None:
                torch._foreach_mul_(p, decay)
            torch._foreach_addcmul_(p, update, [dlr] * len(p), value=-1.0)
            torch._foreach_mul_(s, s_decay)
            torch._foreach_addcmul_(s, update, [s_scale] * len(s))
            parts.update(zip(idx, zip(dots, F.l1_norms(s, update))))
            del update  # freed before the next batch's is allocated: the allocator reuses its memory
        n = range(len(params))
        numerator_acc = dlr * ordered_sum([parts[i][0] for i in n], d.dtype)
        numerator_new = sqrt_beta2 * numerator + (1.0 - sqrt_beta2) * numerator_acc
        s_l1 = ordered_sum([parts[i][1] for i in n], d.dtype)
        d_new = torch.maximum(d, numerator_new / ((1.0 - sqrt_beta2) * s_l1))
        group['d'] = torch.where(ok & (s_l1 > 0) & torch.isfinite(d_new), d_new, d)
        group['numerator_weighted'] = torch.where(ok, numerator_new, numerator)
        given[:] = grads  # the masked / decayed copies (p.grad is untouched)
        return {'m_decay': okf * beta2 + (1.0 - okf), 'm_scale': dlr * (1.0 - beta2)}

    def _update(self, group, params, grads, exp_avg, s, m_decay, m_scale):
        torch._foreach_mul_(exp_avg, m_decay)
        torch._foreach_addcmul_(exp_avg, grads, [m_scale] * len(grads))
