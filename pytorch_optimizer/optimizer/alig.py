"""AliG: adaptive learning rates for interpolation with gradients.

Reference: Berrada, Zisserman & Kumar, "Training Neural Networks for and by Interpolation", ICML 2020.
https://arxiv.org/abs/1906.05661 (official code: https://github.com/oval-group/ali-g)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.functional import all_finite, ordered_sum, zero_unless
from pytorch_optimizer.base.optimizer import BaseOptimizer, Closure, Params
from pytorch_optimizer.base.validation import check_bool, check_non_negative, check_range, owner_name
from pytorch_optimizer.registry import register_optimizer


@register_optimizer
class AliG(BaseOptimizer):
    r"""SGD with a Polyak step size clipped at ``max_lr``: the loss value sets the step (loss lower bound 0).

    .. math::
        \gamma_t = \min\Big(\eta_{max}, \frac{f(\theta_t)}{\lVert \nabla f(\theta_t) \rVert^2 + \delta}\Big), \quad
        \theta \leftarrow \theta - \gamma_t g_t, \quad
        b_t = \mu b_{t-1} - \gamma_t g_t, \quad \theta \leftarrow \theta + \mu b_t

    (``adjusted_momentum``: :math:`b_t = \mu b_{t-1} - g_t`, :math:`\theta \leftarrow \theta + \gamma_t\mu b_t`).
    The squared norm runs over every parameter of every group, :math:`f` is the closure's value (negated with
    ``maximize``), and :math:`\gamma_t` stays a 0-d tensor (no host sync). ``step`` is overridden only to hand
    the loss and the global norm to :meth:`_prepare` and to call ``projection_fn`` after the step. A
    non-finite loss or gradient skips the step (masked).

    Args:
        params: parameters or parameter groups.
        max_lr: largest step size :math:`\eta_{max}` (``None``: unclipped).
        projection_fn: called without arguments after every step (and once at construction) to project the
            parameters on a constraint set.
        momentum: :math:`\mu`.
        adjusted_momentum: PyTorch-style momentum (see above) instead of the paper's Nesterov form.
        eps: :math:`\delta`, added to the squared gradient norm.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    requires_closure = True
    global_statistics = True

    def __init__(
        self,
        params: Params,
        max_lr: float | None = None,
        projection_fn: Callable[[], Any] | None = None,
        momentum: float = 0.0,
        *,
        adjusted_momentum: bool = False,
        eps: float = 1e-5,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        if max_lr is not None:
            max_lr = check_range(self, 'max_lr', max_lr, 0.0, math.inf, low_inclusive=False)
        if projection_fn is not None and not callable(projection_fn):
            raise TypeError(f'{owner_name(self)}: projection_fn must be callable, got {projection_fn!r}')
        defaults = dict(
            max_lr=max_lr,
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            adjusted_momentum=check_bool(self, 'adjusted_momentum', adjusted_momentum),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)
        self.projection_fn = projection_fn
        if projection_fn is not None:
            projection_fn()

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), 'projection_fn': self.projection_fn}

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return ('momentum_buffer',) if group['momentum'] > 0.0 else ()

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        if closure is None:
            raise NoClosureError(owner_name(self))

        def recorded():
            loss = closure()
            with torch.no_grad():
                grads = [p.grad for g in self.param_groups for p in g['params'] if p.grad is not None]
                grads = [torch.view_as_real(g) if g.is_complex() else g for g in grads if not g.is_sparse]
                norms = torch._foreach_norm(grads) if grads else []
                self._loss_and_norm = (torch.as_tensor(loss).detach(), norms)
            return loss

        try:
            loss = super().step(recorded)
        finally:
            self._loss_and_norm = None
        if self.projection_fn is not None:
            self.projection_fn()
        return loss

    def _prepare(self, group, params, grads, states):
        loss, norms = self._loss_and_norm
        ref = params[0]
        dtype = torch.float64 if ref.dtype == torch.float64 else torch.float32
        loss = loss.to(device=ref.device, dtype=dtype) * (-1.0 if group['maximize'] else 1.0)
        grad_sq = ordered_sum([n.to(ref.device) ** 2 for n in norms], dtype)
        step_size = loss / (grad_sq + group['eps'])
        if group['max_lr'] is not None:
            step_size = torch.clamp(step_size, max=group['max_lr'])
        ok = torch.isfinite(step_size) & all_finite(grads)
        okf = ok.to(dtype)
        grads[:] = zero_unless(ok, grads)
        return {'okf': okf, 'step_size': torch.where(ok, step_size, 0.0)}

    def _update(self, group, params, grads, momentum_buffer=None, okf=None, step_size=None):
        momentum = group['momentum']
        torch._foreach_sub_(params, torch._foreach_mul(grads, step_size))
        if momentum > 0.0:
            torch._foreach_mul_(momentum_buffer, okf * momentum + (1.0 - okf))
            if group['adjusted_momentum']:
                torch._foreach_sub_(momentum_buffer, grads)
                torch._foreach_add_(params, torch._foreach_mul(momentum_buffer, step_size * momentum))
            else:
                torch._foreach_sub_(momentum_buffer, torch._foreach_mul(grads, step_size))
                torch._foreach_add_(params, torch._foreach_mul(momentum_buffer, okf * momentum))
