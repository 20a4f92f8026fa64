"""Stable weight decay (SWD): decoupled decay scaled by the mean second moment of an Adam-type optimizer.

Reference: Xie et al., "On the Overlooked Pitfalls of Weight Decay and How to Mitigate Them: A
Gradient-Norm Perspective", NeurIPS 2023. https://arxiv.org/abs/2011.11152
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.validation import check_non_negative, owner_name


def mean_second_moment(exp_avg_sqs: list[Tensor], bias_corrections: list[Any]) -> Tensor:
    r""":math:`\bar v = \sum_i \mathrm{sum}(v_i) / (1 - \beta_2^{t_i}) \,/\, \sum_i |v_i|` (0-d, no sync)."""
    sums = [torch.view_as_real(v).sum() if v.is_complex() else v.sum() for v in exp_avg_sqs]
    total = sum(s / bc for s, bc in zip(sums, bias_corrections))
    return total / float(sum(torch.view_as_real(v).numel() if v.is_complex() else v.numel() for v in exp_avg_sqs))


def stable_weight_decay_(
    params: list[Tensor], mean_v: Tensor, lr: float, weight_decay: float, eps: float = 1e-8
) -> None:
    r"""In place: :math:`\theta \leftarrow \theta\,(1 - \eta\lambda / (\sqrt{\bar v} + \epsilon))`.

    A non-finite :math:`\bar v` skips the decay (masked, no host sync).
    """
    factor = (lr * weight_decay) / (mean_v.sqrt() + eps)
    factor = torch.where(torch.isfinite(factor), factor, torch.zeros_like(factor))
    with torch.no_grad():
        torch._foreach_mul_(params, 1.0 - factor)


def attach_stable_weight_decay(optimizer: Optimizer, weight_decay: float, eps: float = 1e-8) -> RemovableHandle:
    r"""Apply stable weight decay after each ``optimizer.step()`` of an Adam-type optimizer.

    The optimizer must keep ``exp_avg_sq`` state and ``betas`` in its groups (``torch.optim.Adam``/
    ``AdamW``, AdamP, ...); set its own ``weight_decay`` to 0. :math:`\bar v` is the bias-corrected
    second moment averaged over *all* the optimizer's parameters, as in the paper's AdamS.
    Difference from the paper: a step post-hook decays the updated weights,
    :math:`\theta_t \leftarrow (\theta_{t-1} - u_t)(1 - c_t)` instead of :math:`\theta_{t-1}(1-c_t) - u_t`
    (they differ by :math:`c_t u_t`, second order in the learning rate).

    Args:
        optimizer: an Adam-type optimizer.
        weight_decay: :math:`\lambda`.
        eps: added to :math:`\sqrt{\bar v}`.
    """
    check_non_negative('attach_stable_weight_decay', 'weight_decay', weight_decay)
    check_non_negative('attach_stable_weight_decay', 'eps', eps)

    def hook(opt: Optimizer, args: tuple, kwargs: dict) -> None:
        per_group, sqs, bcs = [], [], []
        for group in opt.param_groups:
            params = [p for p in group['params'] if p.grad is not None]
            for p in params:
                state = opt.state.get(p, {})
                if 'exp_avg_sq' not in state:
                    raise ValueError(f'attach_stable_weight_decay: {owner_name(opt)} keeps no exp_avg_sq state')
                step = state['step'] if 'step' in state else group['step']
                step = step.to(torch.float64) if isinstance(step, Tensor) else step  # torch keeps a float32 step
                sqs.append(state['exp_avg_sq'])
                bcs.append(1.0 - group['betas'][1] ** step)
            per_group.append((group, params))
        if not sqs:
            return
        mean_v = mean_second_moment(sqs, bcs)
        for group, params in per_group:
            if params:
                stable_weight_decay_(params, mean_v, group['lr'], weight_decay, eps)

    return optimizer.register_step_post_hook(hook)
