"""GSAM: surrogate-gap guided sharpness-aware minimization.

Reference: Zhuang et al., "Surrogate Gap Guided Sharpness-Aware Minimization", ICLR 2022.
https://arxiv.org/abs/2203.08065
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from pytorch_optimizer.base.validation import check_bool, check_non_negative, check_range
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers.sam import SAMBase, disable_running_stats, enable_running_stats, global_norm


@register_wrapper
class GSAM(SAMBase):
    r"""SAM step whose gradient is corrected by the component of :math:`\nabla f(w)` orthogonal to :math:`\nabla f_p`.

    .. math::
        g = \nabla f(w), \quad g_p = \nabla f\Big(w + \rho_t \frac{T_w^2 g}{\lVert T_w g \rVert}\Big), \quad
        g_\perp = g - \frac{\langle g, g_p \rangle}{\lVert g_p \rVert^2} g_p, \quad
        w \leftarrow \mathrm{base}(w, g_p - \alpha g_\perp)

    Descending :math:`g_p` minimizes the perturbed loss; :math:`-\alpha g_\perp` decreases the surrogate
    gap :math:`f_p - f` without changing :math:`f_p` to first order. :math:`\rho_t` comes from
    ``rho_scheduler`` (proportional to the learning rate in the paper): :meth:`update_rho_t` calls its
    ``step()`` and reads its ``value`` attribute (or the return value of ``step()``); call it after each
    LR-scheduler step. A number gives a constant :math:`\rho`. BatchNorm running statistics of ``model``
    are frozen during the perturbed pass. See :class:`SAMBase` for the closure protocol.

    Args:
        params: parameters or groups (used when ``base_optimizer`` is a class).
        base_optimizer: an optimizer instance (the older API) or a class built as ``base_optimizer(params, **kwargs)``.
        model: the module (its BatchNorm statistics are frozen in the second pass); may be ``None``.
        rho_scheduler: an object with ``step()`` (and optionally ``value``), or a constant number.
        alpha: :math:`\alpha`, weight of the gap-decreasing ascent direction.
        adaptive: ASAM's :math:`T_w = |w|`.
        perturb_eps: added to the norms.
        foreach: accepted for compatibility; foreach ops are always used.
        kwargs: keyword arguments of ``base_optimizer`` when it is a class.
    """

    def __init__(
        self,
        params: Any,
        base_optimizer: Any,
        model: nn.Module | None,
        rho_scheduler: Any,
        alpha: float = 0.4,
        adaptive: bool = False,
        perturb_eps: float = 1e-12,
        foreach: bool | None = None,
        **kwargs: Any,
    ) -> None:
        defaults = dict(
            alpha=check_range(self, 'alpha', alpha, 0.0, 1.0, high_inclusive=True),
            adaptive=check_bool(self, 'adaptive', adaptive),
            perturb_eps=check_non_negative(self, 'perturb_eps', perturb_eps),
            foreach=foreach,
        )
        super().__init__(params, base_optimizer, defaults, kwargs)
        self.model = model
        self.rho_scheduler = rho_scheduler
        self.update_rho_t()

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), 'model': self.model, 'rho_scheduler': self.rho_scheduler}

    @property
    def rho_t(self) -> float:
        """The current radius :math:`\\rho_t`."""
        return self.state['gsam']['rho_t']

    def update_rho_t(self) -> float:
        """Advance ``rho_scheduler`` and store its value as :math:`\\rho_t` (kept in the state dict)."""
        sched = self.rho_scheduler
        if isinstance(sched, (int, float)) and not isinstance(sched, bool):
            rho = float(sched)
        else:
            out = sched.step()
            rho = getattr(sched, 'value', out)
            rho = rho() if callable(rho) else rho
        self.state['gsam'] = {'rho_t': float(check_non_negative(self, 'rho_t', rho))}
        return self.rho_t

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """Gradient at :math:`w`, closure at :math:`w + \\epsilon`, gradient decomposition, base step."""
        closure = self._closure(closure)
        if not self._has_grad():
            closure()
        params = [p for _, ps, _ in self._with_grad() for p in ps]
        for p in params:
            state = self.state[p]
            if 'old_g' not in state:
                state['old_g'] = torch.empty_like(p)
            state['old_g'].copy_(p.grad)
        dirs, norm = self._sam_gradients()
        if norm is not None:
            self._perturb(self.rho_t, dirs, norm)
        self.zero_grad()
        if self.model is not None:
            disable_running_stats(self.model)
        try:
            loss = closure()
        finally:
            if self.model is not None:
                enable_running_stats(self.model)
        both = [p for p in params if p.grad is not None]
        if both:
            self._decompose([self.state[p]['old_g'] for p in both], [p.grad for p in both])
        self._restore()
        self.optimizer.step()
        self.zero_grad()
        return loss

    def _decompose(self, old: list[torch.Tensor], new: list[torch.Tensor]) -> None:
        eps, alpha = self.defaults['perturb_eps'], self.defaults['alpha']
        inner = torch.stack([torch.sum(o * n) for o, n in zip(old, new)]).sum()
        new_norm, old_norm = global_norm(new), global_norm(old)
        cosine = inner / (new_norm * old_norm + eps)
        coef = cosine * old_norm / (new_norm + eps)
        vertical = torch._foreach_sub(old, torch._foreach_mul(new, coef))
        torch._foreach_add_(new, vertical, alpha=-alpha)
