"""Gravity: a kinematic approach to optimization.

Reference: Bahrami & Zadeh, "Gravity Optimizer: a Kinematic Approach on Optimization in Deep
Learning", arXiv 2021. https://arxiv.org/abs/2101.09192
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import max_abs
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_positive, check_positive_int, check_range
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class Gravity(BaseOptimizer):
    r"""A velocity driven by a gradient that is damped where it is large relative to the layer's maximum.

    .. math::
        v_0 \sim \mathcal{N}(0, (\alpha/\eta)^2), \quad
        \zeta_t = \frac{g_t}{1 + (g_t \max|g_t|)^2}, \quad
        \hat\beta_t = \frac{\beta (t-1) + 1}{t + 1}, \quad
        v_t = \hat\beta_t v_{t-1} + (1-\hat\beta_t)\zeta_t, \quad
        \theta_t = \theta_{t-1} - \eta v_t

    at the group's step :math:`t = 1, 2, \dots` (the official code's counter starts at 0; the older
    library started it at 1), with :math:`\max|g_t|` per tensor (the paper's :math:`g/m` with
    :math:`m = 1/\max|g|`, written without the division so a zero gradient gives :math:`\zeta = 0`).
    The random :math:`v_0` is drawn in float64 from a CPU generator seeded with ``seed + n`` for the n-th
    parameter state this optimizer creates, so runs, checkpoints and the foreach / per-tensor paths are
    reproducible (the older library used the global RNG).

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta` (positive: it scales the initial velocity's spread).
        alpha: :math:`\alpha`, the spread of the initial velocity times :math:`\eta`.
        beta: :math:`\beta`, the asymptotic averaging coefficient of the velocity.
        seed: seed of the initial velocities.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('velocity',)
    supports_fsdp = False  # its random initial velocity is a plain tensor, not sharded like the parameter

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.01,
        beta: float = 0.9,
        *,
        seed: int = 0,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_positive(self, 'lr', lr),
            alpha=check_range(self, 'alpha', alpha, 0.0, 1.0),
            beta=check_range(self, 'beta', beta, 0.0, 1.0, high_inclusive=True),
            seed=check_positive_int(self, 'seed', seed, allow_zero=True),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        generator = torch.Generator().manual_seed(group['seed'] + len(self.state))
        std = group['alpha'] / group['lr']
        noise = torch.randn(param.shape, generator=generator, dtype=torch.float64).mul_(std)
        return {'velocity': noise.to(device=param.device, dtype=param.dtype)}

    def _update(self, group, params, grads, velocity):
        t, beta = group['step'] - 1, group['beta']  # the official code counts from t = 0
        beta_t = (beta * t + 1.0) / (t + 2.0)
        scales = max_abs(grads)
        denom = torch._foreach_mul(grads, scales)
        torch._foreach_mul_(denom, denom)
        torch._foreach_add_(denom, 1.0)
        self.into(denom, torch.div, grads, denom)  # zeta = g / denom, in denom's buffer (no fresh page faults)
        torch._foreach_lerp_(velocity, denom, 1.0 - beta_t)
        torch._foreach_add_(params, velocity, alpha=-group['lr'])
