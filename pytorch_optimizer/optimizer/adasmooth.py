"""AdaSmooth: per-dimension smoothing constants from the effective ratio of the trajectory.

Reference: Lu, "AdaSmooth: An Adaptive Learning Rate Method based on Effective Ratio", arXiv 2022.
https://arxiv.org/abs/2204.00825
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import addcdiv_scaled_, copy_, cpu_scalar
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaSmooth(BaseOptimizer):
    r"""RMSprop whose decay follows how directed (effective ratio near 1) or zig-zagging the steps were.

    .. math::
        e_t = \frac{\left|\sum_{i} \Delta\theta_{t-1-i}\right|}{\sum_{i} |\Delta\theta_{t-1-i}|}, \quad
        c_t = (\rho_2 - \rho_1) e_t + (1 - \rho_2), \\
        E[g^2]_t = c_t^2 \odot g_t^2 + (1 - c_t^2) \odot E[g^2]_{t-1}, \quad
        \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{E[g^2]_t + \epsilon}} \odot g_t

    All per coordinate, as in the paper. The paper's window of :math:`M` past moves is the whole run so
    far (:math:`M = t-1`, :math:`O(1)` memory; :math:`e_1 = 0` before any move). The older library
    reduced :math:`e_t` to one scalar per tensor and counted the initial weights as a first move.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\rho_1, \rho_2)`, the fast and slow decay rates.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled decay instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of ``lr * weight_decay`` per step.
        eps: :math:`\epsilon` inside the square root.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
        fused: compile the update into fused kernels with ``torch.compile`` (``base/fused.py``).
    """

    elementwise = True
    state_keys = ('prev_param', 'sum_delta', 'sum_abs_delta', 'exp_avg_sq')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.5, 0.99),
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = False,
        fixed_decay: bool = False,
        eps: float = 1e-6,
        maximize: bool = False,
        foreach: bool | None = None,
        fused: bool = False,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            weight_decouple=check_bool(self, 'weight_decouple', weight_decouple),
            fixed_decay=check_bool(self, 'fixed_decay', fixed_decay),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'prev_param' in keys:
            state['prev_param'] = param.detach().clone()
        return state

    def _prepare(self, group, params, grads, states):
        return {'lr': group['lr']}

    def _update(self, group, params, grads, prev_param, sum_delta, sum_abs_delta, exp_avg_sq, *, lr):
        rho1, rho2 = group['betas']
        # the move theta - theta_prev, negated in prev_param's buffer (dead until it takes theta): no temporary
        torch._foreach_sub_(prev_param, params)
        torch._foreach_sub_(sum_delta, prev_param)
        torch._foreach_abs_(prev_param)
        torch._foreach_add_(sum_abs_delta, prev_param)
        copy_(prev_param, params)
        grads = self.apply_weight_decay(group, params, grads, lr=lr)
        # e = |s| / n, with n floored so that no move yet (s = n = 0) gives e = 0; |s| <= n up to round-off
        tiny, eps = torch.finfo(params[0].dtype).tiny, group['eps']
        cpu = params[0].device.type == 'cpu'  # per tensor into dead buffers reused between steps (no page faults)
        if cpu:
            ratio, spare = self.scratch(params, 'ratio'), self.scratch(params, 'spare')
            for s, n, r, f in zip(sum_delta, sum_abs_delta, ratio, spare):
                torch.abs(s, out=r).div_(torch.clamp_min(n, tiny, out=f))
        else:  # elsewhere one launch per op
            ratio = torch._foreach_abs(sum_delta)
            torch._foreach_div_(ratio, torch._foreach_clamp_min(sum_abs_delta, tiny))
        torch._foreach_clamp_max_(ratio, 1.0)
        torch._foreach_mul_(ratio, cpu_scalar(rho2 - rho1, params[0]))
        torch._foreach_add_(ratio, 1.0 - rho2)
        torch._foreach_mul_(ratio, ratio)
        # E[g^2] += c^2 (g^2 - E[g^2]), the residual negated: one op (E[g^2] - g^2) instead of two
        if cpu:
            residual = [torch.addcmul(v, g, g, value=-1.0, out=f) for v, g, f in zip(exp_avg_sq, grads, spare)]
        else:
            residual = torch._foreach_addcmul(exp_avg_sq, grads, grads, value=-1.0)
        torch._foreach_addcmul_(exp_avg_sq, ratio, residual, value=-1.0)
        if cpu:  # c^2 is dead: its buffer
            denom = [torch.add(v, eps, out=r) for v, r in zip(exp_avg_sq, ratio)]
        else:
            denom = torch._foreach_add(exp_avg_sq, eps)
        torch._foreach_sqrt_(denom)
        addcdiv_scaled_(params, grads, denom, -lr)
