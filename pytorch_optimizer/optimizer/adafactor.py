"""Adafactor: adaptive learning rates with sub-linear memory cost.

Reference: Shazeer & Stern, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost", ICML 2018.
https://arxiv.org/abs/1804.04235
"""

from __future__ import annotations

import math

import torch

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_positive
from pytorch_optimizer.optimizer._adafactor_moment import inverse_sqrt_moment_, step_sizes
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AdaFactor(BaseOptimizer):
    r"""Second moments of matrices kept as row and column sums; relative step sizes; update clipping.

    For a tensor with at least two dimensions, factored over its last two (:math:`n \times m`; :math:`\hat V_t` is
    unfactored for vectors and scalars):

    .. math::
        R_t = \hat\beta_{2t} R_{t-1} + (1-\hat\beta_{2t})\,\mathrm{mean}_{-1}(g_t^2 + \epsilon_1), \quad
        C_t = \hat\beta_{2t} C_{t-1} + (1-\hat\beta_{2t})\,\mathrm{mean}_{-2}(g_t^2 + \epsilon_1), \quad
        \hat V_t = \frac{R_t C_t}{\mathrm{mean}(R_t)}, \\
        U_t = \frac{g_t}{\sqrt{\hat V_t}}, \quad \hat U_t = \frac{U_t}{\max(1, \mathrm{RMS}(U_t)/d)}, \quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1)\hat U_t, \quad
        \theta_t = \theta_{t-1} - \alpha_t m_t

    with :math:`\alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\,\rho_t` (``scale_parameter``),
    :math:`\rho_t = \min(10^{-2}, 1/\sqrt t)` (``relative_step``; :math:`\min(10^{-6} t, 1/\sqrt t)` with
    ``warmup_init``; else ``lr``) and :math:`\hat\beta_{2t} = 1 - t^{c}` (``decay_rate`` :math:`c`, Sec. 7.2)
    or, with ``decay_rate=None``, the bias-corrected :math:`\beta_2(1-\beta_2^{t-1})/(1-\beta_2^t)` of
    Algorithm 4. Means replace the paper's sums (same :math:`\hat V_t`). The second-moment state is
    :math:`O(n + m)` per matrix; the momentum (``betas[0] > 0``) is full-sized.

    Args:
        params: parameters or parameter groups.
        lr: :math:`\rho_t` when ``relative_step`` is False (ignored otherwise).
        betas: :math:`(\beta_1, \beta_2)`; :math:`\beta_1 = 0` keeps no momentum; :math:`\beta_2` is used
            only with ``decay_rate=None``.
        decay_rate: :math:`c` of :math:`\hat\beta_{2t} = 1 - t^c`, or None.
        weight_decay: weight decay coefficient.
        weight_decouple: decoupled decay :math:`\theta(1-\alpha_t\lambda)` instead of L2 added to the gradient.
        fixed_decay: decay by ``weight_decay`` instead of :math:`\alpha_t\lambda` per step.
        clip_threshold: :math:`d`.
        ams_bound: use the running maximum of :math:`\hat V_t` (full-sized state: no longer sub-linear).
        scale_parameter: scale the step by the parameter's RMS.
        relative_step: use the relative step size :math:`\rho_t` instead of ``lr``.
        warmup_init: linear warm-up of :math:`\rho_t`.
        eps1: :math:`\epsilon_1`, added to :math:`g^2`.
        eps2: :math:`\epsilon_2`, floor of the parameter RMS.
        momentum_dtype: dtype of the momentum state (None: the parameter's; e.g. ``torch.bfloat16`` to save memory).
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg_sq_row', 'exp_avg_sq_col')
    supports_fsdp = False  # factored row/column statistics and RMS norms are not computed over shards

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        decay_rate: float | None = -0.8,
        weight_decay: float = 0.0,
        *,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        clip_threshold: float = 1.0,
        ams_bound: bool = False,
        scale_parameter: bool = True,
        relative_step: bool = True,
        warmup_init: bool = False,
        eps1: float = 1e-30,
        eps2: float = 1e-3,
        momentum_dtype: torch.dtype | None = None,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        flags = ('weight_decouple', 'fixed_decay', 'ams_bound', 'scale_parameter', 'relative_step', 'warmup_init')
        values = (weight_decouple, fixed_decay, ams_bound, scale_parameter, relative_step, warmup_init)
        defaults = {name: check_bool(self, name, v) for name, v in zip(flags, values)}
        if decay_rate is not None and not -1.0 <= decay_rate < 0.0:
            raise ValueError(f'AdaFactor: decay_rate must be in [-1, 0) or None, got {decay_rate!r}')
        if momentum_dtype is not None and not isinstance(momentum_dtype, torch.dtype):
            raise TypeError(f'AdaFactor: momentum_dtype must be a torch.dtype or None, got {momentum_dtype!r}')
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            decay_rate=decay_rate,
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            clip_threshold=check_positive(self, 'clip_threshold', clip_threshold),
            eps1=check_non_negative(self, 'eps1', eps1),
            eps2=check_non_negative(self, 'eps2', eps2),
            momentum_dtype=momentum_dtype,
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        extra = (('exp_avg',) if group['betas'][0] > 0.0 else ()) + (('exp_avg_sq_hat',) if group['ams_bound'] else ())
        return self.state_keys + extra

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, keys)
        factored, shape = param.dim() >= 2, param.shape
        if 'exp_avg_sq_row' in keys and factored:
            state['exp_avg_sq_row'] = param.new_zeros(shape[:-1])
        if 'exp_avg_sq_col' in keys:  # empty for unfactored tensors, whose full moment is the 'row' entry
            state['exp_avg_sq_col'] = param.new_zeros(shape[:-2] + shape[-1:] if factored else (0,))
        if 'exp_avg' in keys and group['momentum_dtype'] is not None:
            state['exp_avg'] = torch.zeros_like(param, dtype=group['momentum_dtype'])
        return state

    def _update(self, group, params, grads, exp_avg_sq_row, exp_avg_sq_col, exp_avg=None, exp_avg_sq_hat=None):
        beta1 = group['betas'][0]
        wd, scaled = group['weight_decay'], group['scale_parameter']
        beta2_t, alpha = step_sizes(group, params)
        if wd > 0.0 and not group['weight_decouple']:
            grads = self.into('grad', torch.add, grads, params, alpha=wd)
        updates = self.into('update', torch.mul, grads, grads)  # g^2, then (dead after its means) the update
        inverse_sqrt_moment_(
            self, updates, exp_avg_sq_row, exp_avg_sq_col, exp_avg_sq_hat, 1.0 - beta2_t, group['eps1']
        )
        torch._foreach_mul_(updates, grads)
        rms = torch._foreach_norm(updates)
        torch._foreach_div_(rms, [math.sqrt(u.numel()) * group['clip_threshold'] for u in updates])
        torch._foreach_clamp_min_(rms, 1.0)
        torch._foreach_div_(updates, rms)
        if exp_avg is not None:  # a momentum_dtype other than the parameters' is cast through dead buffers
            same = exp_avg[0].dtype == updates[0].dtype
            cast = updates if same else [b.copy_(u) for b, u in zip(self.scratch(exp_avg, 'cast'), updates)]
            torch._foreach_lerp_(exp_avg, cast, 1.0 - beta1)
            updates = exp_avg if same else [u.copy_(m) for u, m in zip(updates, exp_avg)]
        if wd > 0.0 and group['weight_decouple']:
            decay = -wd if group['fixed_decay'] else (torch._foreach_mul(alpha, -wd) if scaled else -alpha * wd)
            F.add_scaled_(params, params, decay)
        F.add_scaled_(params, updates, torch._foreach_neg(alpha) if scaled else -alpha)
