"""Ranger21: AdamW with eight components selected from the literature.

Reference: Wright & Demeure, "Ranger21: a synergistic deep learning optimizer", arXiv 2021.
https://arxiv.org/abs/2106.13731
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.optimizer import _ranger21_parts as parts
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Ranger21(BaseOptimizer):
    r"""AdamW core + AGC, GC, positive-negative momentum, norm loss, stable weight decay, schedule, Lookahead.

    Per step :math:`t` (Algorithm 1 of the paper), with :math:`g_t` clipped by AGC and centralized:

    .. math::
        m_t = \beta_1^2 m_{t-2} + (1-\beta_1^2) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad v^{\max}_t = \max(v^{\max}_{t-1}, v_t), \\
        \hat m_t = \frac{(1+\beta_0) m_t - \beta_0 m_{t-1}}{\sqrt{(1+\beta_0)^2 + \beta_0^2}\,(1-\beta_1^t)}, \quad
        \bar v_t = \mathrm{mean}\Big(\frac{v_t}{1-\beta_2^t}\Big), \\
        \theta_t = \theta_{t-1} - \eta_t \Big(\frac{\hat m_t}{\sqrt{v^{\max}_t / (1-\beta_2^t)} + \epsilon}
        + \frac{\lambda\,\theta_{t-1}}{\sqrt{\bar v_t} + \epsilon}
        + 2\lambda_n\Big(1 - \frac{1}{\lVert\theta_{t-1}\rVert_u + \epsilon}\Big)\theta_{t-1}\Big)

    (the three terms are evaluated at :math:`\theta_{t-1}`; the official code applies them one after the
    other), then Lookahead every ``lookahead_merge_time`` steps. :math:`\bar v_t` is the mean over every
    element of the group (a non-finite mean skips the group's step); :math:`\lVert\cdot\rVert_u` the norm
    per output unit. :math:`\eta_t` warms up linearly over :math:`\lceil 2/(1-\beta_2)\rceil` steps (22% of
    ``num_iterations`` if that is over 45%) and decays linearly to ``warm_down_min_lr`` over the last 28%.
    ``use_softplus`` and ``normalize_gradients`` were added by the authors after the paper: both off gives the
    paper's algorithm. The older library fixes :math:`\beta_0 = 1` in :math:`\hat m_t`, normalizes it with
    :math:`\beta_2`, and writes the AMSGrad maximum into :math:`v_t` (a no-op); the paper's forms are used here.

    Args:
        params: parameters or parameter groups.
        num_iterations: total number of steps (for the schedule).
        lr: peak learning rate :math:`\eta`.
        beta0: positive-negative momentum coefficient :math:`\beta_0`.
        betas: :math:`(\beta_1, \beta_2)`.
        use_softplus: :math:`\mathrm{softplus}_\beta` of the denominator.
        beta_softplus: the softplus' :math:`\beta`.
        disable_lr_scheduler: constant :math:`\eta_t = \eta`.
        num_warm_up_iterations: warm-up length (None: automatic, see above).
        num_warm_down_iterations: warm-down length (None: 28% of ``num_iterations``).
        warm_down_min_lr: learning rate at the end of the warm-down.
        agc_clipping_value: AGC's maximal gradient-to-weight norm ratio.
        agc_eps: AGC's floor of the weight norm.
        centralize_gradients: gradient centralization.
        normalize_gradients: :math:`g / (\mathrm{std}(g) + \epsilon)` after centralization.
        lookahead_merge_time: Lookahead's period.
        lookahead_blending_alpha: Lookahead's slow step.
        weight_decay: :math:`\lambda` of the stable weight decay.
        weight_decouple: stable decoupled decay (the paper's); else L2 added to the raw gradient.
        fixed_decay: stable decay without the factor :math:`\eta_t`.
        norm_loss_factor: :math:`\lambda_n`.
        adam_debias: AdamD — no :math:`1/(1-\beta_1^t)`.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('grad_ma', 'neg_grad_ma', 'variance_ma', 'max_variance_ma', 'lookahead_params')
    global_statistics = True

    def __init__(
        self,
        params: Params,
        num_iterations: int,
        lr: float = 1e-3,
        beta0: float = 0.9,
        betas: tuple[float, float] = (0.9, 0.999),
        use_softplus: bool = True,
        beta_softplus: float = 50.0,
        disable_lr_scheduler: bool = False,
        num_warm_up_iterations: int | None = None,
        num_warm_down_iterations: int | None = None,
        warm_down_min_lr: float = 3e-5,
        agc_clipping_value: float = 1e-2,
        agc_eps: float = 1e-3,
        centralize_gradients: bool = True,
        normalize_gradients: bool = True,
        lookahead_merge_time: int = 5,
        lookahead_blending_alpha: float = 0.5,
        weight_decay: float = 1e-4,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        norm_loss_factor: float = 1e-4,
        adam_debias: bool = False,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        super().__init__(params, parts.defaults(self, locals()))

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'lookahead_params' in keys:
            state['lookahead_params'] = param.detach().clone()
        return state

    schedule = staticmethod(parts.schedule)

    def _prepare(self, group, params, grads, states):
        # gradients preprocessed for the whole group (the variance mean is group-wide) into reused buffers, not p.grad
        grads[:] = parts.preprocess_gradients(group, params, grads, self.scratch)
        mean = parts.mean_variance(group, params, grads, [s['variance_ma'] for s in states])
        return {'variance_mean': mean, 'finite': torch.isfinite(mean)}

    def _update(
        self, group, params, grads, grad_ma, neg_grad_ma, variance_ma, max_variance_ma, lookahead_params,
        variance_mean, finite,
    ):  # fmt: skip
        (beta1, beta2), beta0, step = group['betas'], group['beta0'], group['step']
        tensors = params + grad_ma + neg_grad_ma + variance_ma + max_variance_ma + lookahead_params
        flag, cpu = F.host_flag(finite), params[0].device.type == 'cpu'  # on CPU a non-finite step is skipped
        if flag is False:
            return
        before = F.snapshot(tensors) if flag is None else None  # elsewhere a non-finite step is undone by a mask
        lr, debias = self.schedule(group, step), 1.0 if group['adam_debias'] else self.bias_correction(beta1, step)
        torch._foreach_mul_(variance_ma, beta2)
        torch._foreach_addcmul_(variance_ma, grads, grads, value=1.0 - beta2)
        torch._foreach_maximum_(max_variance_ma, variance_ma)
        current, previous = (grad_ma, neg_grad_ma) if step % 2 == 1 else (neg_grad_ma, grad_ma)  # PNM: EMAs in turn
        torch._foreach_lerp_(current, grads, 1.0 - beta1**2)
        if cpu:  # (1 + beta0) m_t - beta0 m_{t-1} = lerp(m_t, m_{t-1}, -beta0), into reused buffers
            update = [torch.lerp(c, p, -beta0, out=u) for c, p, u in zip(current, previous, self.scratch(grads, 'u'))]
        else:  # a launch per op, not per tensor
            update = torch._foreach_lerp(current, previous, -beta0)
        # the denominators go into the gradients' buffers on CPU (dead from here on)
        torch._foreach_div_(
            update, parts.denominators(group, max_variance_ma, grads, self.bias_correction(beta2, step))
        )
        # stable weight decay and norm loss, both proportional to theta_{t-1}: one multiplicative factor per tensor
        parts.decay_(group, params, lr, variance_mean)
        torch._foreach_add_(params, update, alpha=-lr / math.hypot(1.0 + beta0, beta0) / debias)
        if step % group['lookahead_merge_time'] == 0:
            torch._foreach_lerp_(lookahead_params, params, group['lookahead_blending_alpha'])
            F.copy_(params, lookahead_params)
        if flag is None:
            F.undo_unless_(tensors, before, finite)
