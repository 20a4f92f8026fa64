"""AdaShift: decorrelating the second moment from the current gradient by a temporal shift.

Reference: Zhou et al., "AdaShift: Decorrelation and Convergence of Adaptive Learning Rate Methods",
ICLR 2019. https://arxiv.org/abs/1810.00143
"""

from __future__ import annotations

from typing import Any

import torch

from pytorch_optimizer.base.functional import copy_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import (
    check_betas,
    check_choice,
    check_lr,
    check_non_negative,
    check_positive_int,
)
from pytorch_optimizer.registry import register_optimizer

REDUCTIONS = {'max': 'max', 'none': 'none', None: 'none', torch.max: 'max', torch.amax: 'max'}


@register_optimizer
class AdaShift(BaseOptimizer):
    r"""Adam whose second moment only sees the gradient of ``keep_num`` steps ago.

    With :math:`n` = ``keep_num``, :math:`\phi` the reduction and the first :math:`n` steps only
    filling the queue of past gradients:

    .. math::
        m_t = \frac{\sum_{i=0}^{n-1} \beta_1^i g_{t-i}}{\sum_{i=0}^{n-1} \beta_1^i}, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\,\phi(g_{t-n}^2), \quad
        \theta_t = \theta_{t-1} - \eta\,\frac{m_t}{\sqrt{v_t / (1-\beta_2^{t-n})} + \epsilon}
        \quad (t > n)

    :math:`m_t` is kept by the exact recurrence
    :math:`m_t = \beta_1 m_{t-1} + (g_t - \beta_1^n g_{t-n}) / \sum_i \beta_1^i`
    (the older library and the authors' code start it from zero when the window first fills, which
    mis-weights the first window); the bias correction of :math:`v_t` is the authors' code's.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        keep_num: :math:`n`, the number of past gradients kept (state holds them: :math:`n` times the parameter).
        reduce_func: :math:`\phi`: ``'max'`` (the paper's block-wise max, here over the whole tensor; the
            older library's ``torch.max`` is accepted) or ``'none'`` / ``None`` (element-wise, AdaShift
            without spatial operation).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('grad_queue', 'exp_avg', 'exp_avg_sq')

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        keep_num: int = 10,
        reduce_func: Any = 'max',
        *,
        eps: float = 1e-10,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        reduce = check_choice(self, 'reduce_func', reduce_func, tuple(REDUCTIONS))
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            keep_num=check_positive_int(self, 'keep_num', keep_num),
            reduce_func=REDUCTIONS[reduce],
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        if 'grad_queue' in keys:
            state['grad_queue'] = param.new_zeros((group['keep_num'], *param.shape))
        if 'exp_avg_sq' in keys and group['reduce_func'] == 'max':
            state['exp_avg_sq'] = param.new_zeros(())
        return state

    def _update(self, group, params, grads, grad_queue, exp_avg, exp_avg_sq):
        beta1, beta2 = group['betas']
        n, step = group['keep_num'], group['step']
        weight_sum = sum(beta1**i for i in range(n))
        oldest = [q[(step - 1) % n] for q in grad_queue]
        if step > n:
            squares = torch._foreach_mul(oldest, oldest)
            if group['reduce_func'] == 'max':
                squares = [s.amax() for s in squares]
        torch._foreach_mul_(exp_avg, beta1)
        torch._foreach_add_(exp_avg, grads, alpha=1.0 / weight_sum)
        torch._foreach_add_(exp_avg, oldest, alpha=-(beta1**n) / weight_sum)
        copy_(oldest, grads)
        if step <= n:
            return
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_add_(exp_avg_sq, squares, alpha=1.0 - beta2)
        denom = torch._foreach_div(exp_avg_sq, self.bias_correction(beta2, step - n))
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, group['eps'])
        torch._foreach_add_(params, torch._foreach_div(exp_avg, denom), alpha=-group['lr'])
