"""SAM and ASAM, the shared machinery of the SAM family, and BatchNorm running-statistics helpers.

References: Foret et al., "Sharpness-Aware Minimization for Efficiently Improving Generalization", ICLR
2021 (https://arxiv.org/abs/2010.01412); Kwon et al., "ASAM: Adaptive Sharpness-Aware Minimization for
Scale-Invariant Learning of Deep Neural Networks", ICML 2021 (https://arxiv.org/abs/2102.11600).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.validation import check_bool, check_non_negative, owner_name
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.plugins.gc import centralize_gradient
from pytorch_optimizer.registry import register_wrapper


def disable_running_stats(model: nn.Module) -> None:
    """Freeze BatchNorm running statistics (momentum 0, counter kept) for a second forward pass."""

    def disable(module: nn.Module) -> None:
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and not hasattr(module, 'backup_momentum'):
            module.backup_momentum = module.momentum
            module.momentum = 0.0
            if module.num_batches_tracked is not None:
                module.backup_num_batches_tracked = module.num_batches_tracked.clone()

    model.apply(disable)


def enable_running_stats(model: nn.Module) -> None:
    """Undo :func:`disable_running_stats`."""

    def enable(module: nn.Module) -> None:
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and hasattr(module, 'backup_momentum'):
            module.momentum = module.__dict__.pop('backup_momentum')
            if 'backup_num_batches_tracked' in module.__dict__:
                module.num_batches_tracked.copy_(module.__dict__.pop('backup_num_batches_tracked'))

    model.apply(enable)


def global_norm(tensors: list[Tensor]) -> Tensor:
    """L2 norm of the concatenation of ``tensors`` (a 0-d tensor on the first tensor's device)."""
    norms = torch._foreach_norm(tensors)
    return torch.linalg.vector_norm(torch.stack([n.to(norms[0].device) for n in norms]))


class SAMBase(BaseWrapper):
    """Shared machinery of the SAM family: building the inner optimizer, perturbing and restoring weights.

    ``step(closure)``: the gradient at :math:`w` is the one present on the parameters when ``step`` is
    called; if no parameter has one, the closure is evaluated first to compute it. The closure is then
    evaluated at the perturbed weights (it must zero the gradients or leave that to the wrapper, which
    zeroes them before each evaluation). After the inner step the gradients are cleared (``None``), so a
    stale perturbed gradient is never taken as the next gradient at :math:`w`. ``step`` returns the
    loss of the last closure evaluation. Plug-ins attached to the wrapper see the gradient at
    :math:`w` (they shape the perturbation); attach them to ``wrapper.optimizer`` to transform the
    gradient of the update.
    """

    def __init__(self, params: Any, base_optimizer: Any, defaults: dict[str, Any], kwargs: dict[str, Any]) -> None:
        if isinstance(base_optimizer, Optimizer):
            if kwargs:
                raise TypeError(f'{owner_name(self)}: keyword arguments {sorted(kwargs)} need an optimizer class')
            optimizer = base_optimizer
        elif callable(base_optimizer):
            optimizer = base_optimizer(params, **kwargs)
        else:
            raise TypeError(f'{owner_name(self)}: base_optimizer must be an optimizer class, got {base_optimizer!r}')
        super().__init__(optimizer, defaults)

    def _with_grad(self) -> list[tuple[dict, list[Tensor], list[Tensor]]]:
        out = []
        for group in self.param_groups:
            params = [p for p in group['params'] if p.grad is not None]
            out.append((group, params, [p.grad for p in params]))
        return out

    def _has_grad(self) -> bool:
        return any(p.grad is not None for group in self.param_groups for p in group['params'])

    def _closure(self, closure: Callable | None) -> Callable:
        if closure is None:
            raise NoClosureError(owner_name(self), ': it re-evaluates the loss at the perturbed weights')
        return torch.enable_grad()(closure)

    def _directions(self, params: list[Tensor], grads: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """``(T g, T^2 g)`` with :math:`T = |w|` (adaptive) or the identity."""
        if not self.defaults.get('adaptive', False):
            return grads, grads
        scale = torch._foreach_abs(params)
        tg = torch._foreach_mul(grads, scale)
        return tg, torch._foreach_mul(tg, scale)

    def _perturb(self, rho: float | Tensor, directions: list[list[Tensor]], norm: Tensor) -> None:
        """Save the weights, move each group by :math:`\\rho d / (\\lVert T g\\rVert + \\epsilon)` (0: non-finite)."""
        for (group, params, _), dirs in zip(self._with_grad(), directions):
            if not params:
                continue
            scale = group.get('rho', rho) / (norm + self.defaults['perturb_eps'])
            scale = torch.where(torch.isfinite(scale), scale, torch.zeros_like(scale))
            for p in params:
                state = self.state[p]
                if 'old_p' not in state:
                    state['old_p'] = torch.empty_like(p)
                state['old_p'].copy_(p)
            perturbation = torch._foreach_mul(dirs, scale)
            for e in perturbation:  # a non-finite gradient coordinate must not move the weights
                e.nan_to_num_(0.0, 0.0, 0.0)
            torch._foreach_add_(params, perturbation)

    def _restore(self) -> None:
        params = [p for group in self.param_groups for p in group['params'] if 'old_p' in self.state.get(p, {})]
        if params:
            torch._foreach_copy_(params, [self.state[p]['old_p'] for p in params])

    def _sam_gradients(self) -> tuple[list[list[Tensor]], Tensor | None]:
        """Perturbation directions per group and the norm of :math:`T g` (GC on a copy if ``use_gc``)."""
        dirs, tgs = [], []
        for _, params, grads in self._with_grad():
            if self.defaults.get('use_gc', False):
                grads = [centralize_gradient(g.clone()) for g in grads]
            tg, d = self._directions(params, grads)
            tgs.extend(tg)
            dirs.append(d)
        return dirs, (global_norm(tgs) if tgs else None)


@register_wrapper
class SAM(SAMBase):
    r"""Sharpness-Aware Minimization; ``adaptive=True`` gives ASAM.

    .. math::
        \epsilon = \rho \frac{T_w^2 g}{\lVert T_w g \rVert + \epsilon_p}, \quad
        g_{SAM} = \nabla L(w + \epsilon), \quad w \leftarrow \mathrm{base}(w, g_{SAM})

    with :math:`T_w = \mathrm{diag}(|w|)` for ASAM and :math:`I` for SAM (the ASAM paper's
    :math:`T_w = |w| + \eta`; here :math:`\eta = 0` as in the older library). The norm is global over all
    parameters; a ``'rho'`` key in a parameter group overrides ``rho`` for that group. See
    :class:`SAMBase` for the closure protocol.

    Args:
        params: parameters or parameter groups (given to ``base_optimizer``).
        base_optimizer: an optimizer class (or factory) built as ``base_optimizer(params, **kwargs)``.
        rho: neighbourhood radius :math:`\rho`.
        adaptive: ASAM's scale-invariant neighbourhood.
        use_gc: centralize the gradient that defines the perturbation.
        perturb_eps: :math:`\epsilon_p` added to the norm.
        foreach: accepted for compatibility; the perturbation always uses ``torch._foreach_*`` ops.
        kwargs: keyword arguments of ``base_optimizer`` (a misspelled one raises its ``TypeError``).
    """

    def __init__(
        self,
        params: Any,
        base_optimizer: Any,
        rho: float = 0.05,
        adaptive: bool = False,
        use_gc: bool = False,
        perturb_eps: float = 1e-12,
        foreach: bool | None = None,
        **kwargs: Any,
    ) -> None:
        defaults = dict(
            rho=check_non_negative(self, 'rho', rho),
            adaptive=check_bool(self, 'adaptive', adaptive),
            use_gc=check_bool(self, 'use_gc', use_gc),
            perturb_eps=check_non_negative(self, 'perturb_eps', perturb_eps),
            foreach=foreach,
        )
        super().__init__(params, base_optimizer, defaults, kwargs)

    @torch.no_grad()
    def first_step(self, zero_grad: bool = False) -> None:
        """Move to :math:`w + \\epsilon` using the present gradients (saving :math:`w`)."""
        dirs, norm = self._sam_gradients()
        if norm is not None:
            self._perturb(self.defaults['rho'], dirs, norm)
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def second_step(self, zero_grad: bool = False) -> None:
        """Return to :math:`w` and take the base step with the gradient computed at :math:`w + \\epsilon`."""
        self._restore()
        self.optimizer.step()
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """First step, closure at the perturbed weights, second step (see :class:`SAMBase`)."""
        closure = self._closure(closure)
        if not self._has_grad():
            closure()
        self.first_step(zero_grad=True)
        loss = closure()
        self.second_step(zero_grad=True)
        return loss
