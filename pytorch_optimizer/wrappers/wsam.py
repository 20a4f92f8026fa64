"""WSAM: weighted sharpness as a regularization term.

Reference: Yue et al., "Sharpness-Aware Minimization Revisited: Weighted Sharpness as a Regularization
Term", KDD 2023. https://arxiv.org/abs/2305.15817
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from pytorch_optimizer.base.validation import check_bool, check_non_negative, check_range
from pytorch_optimizer.plugins.clip_grad_norm import clip_grad_norm
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers.sam import SAMBase, disable_running_stats, enable_running_stats


@register_wrapper
class WSAM(SAMBase):
    r"""Minimize :math:`L(w) + \alpha\big(L(w+\epsilon) - L(w)\big)`, :math:`\alpha = \gamma/(1-\gamma)`.

    .. math::
        \text{coupled:} \; w \leftarrow \mathrm{base}\big(w, \alpha\tilde g + (1-\alpha) g\big); \quad
        \text{decoupled:} \; w \leftarrow \mathrm{base}(w, g) - \eta\alpha(\tilde g - g)

    with :math:`\tilde g = \nabla L(w + \epsilon)` at the SAM perturbation (ASAM's with ``adaptive``) and
    :math:`\eta` each group's ``lr``. ``max_norm`` clips the gradient given to the base optimizer (the
    decoupled sharpness term is not clipped). BatchNorm running statistics of ``model`` are frozen
    during the perturbed pass. See :class:`~pytorch_optimizer.wrappers.sam.SAMBase` for the closure protocol.

    Args:
        model: the module (BatchNorm freezing); may be ``None``.
        params: parameters or groups.
        base_optimizer: optimizer class built as ``base_optimizer(params, **kwargs)`` (or an instance).
        rho: neighbourhood radius.
        gamma: sharpness weight :math:`\gamma \in [0, 1)`.
        adaptive: ASAM's :math:`T_w = |w|`.
        decouple: apply the sharpness term outside the base optimizer, like decoupled weight decay.
        max_norm: global gradient-norm clipping before the base step (``None``: off).
        eps: added to the perturbation norm.
        foreach: accepted for compatibility; foreach ops are always used.
        kwargs: keyword arguments of ``base_optimizer``.
    """

    def __init__(
        self,
        model: nn.Module | None,
        params: Any,
        base_optimizer: Any,
        rho: float = 0.05,
        gamma: float = 0.9,
        adaptive: bool = False,
        decouple: bool = True,
        max_norm: float | None = None,
        eps: float = 1e-12,
        foreach: bool | None = None,
        **kwargs: Any,
    ) -> None:
        defaults = dict(
            rho=check_non_negative(self, 'rho', rho),
            gamma=check_range(self, 'gamma', gamma, 0.0, 1.0),
            adaptive=check_bool(self, 'adaptive', adaptive),
            decouple=check_bool(self, 'decouple', decouple),
            max_norm=None if max_norm is None else check_non_negative(self, 'max_norm', max_norm),
            perturb_eps=check_non_negative(self, 'eps', eps),
            foreach=foreach,
        )
        super().__init__(params, base_optimizer, defaults, kwargs)
        self.model = model

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), 'model': self.model}

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """Gradient at :math:`w`, closure at :math:`w + \\epsilon`, weighted combination, base step."""
        closure = self._closure(closure)
        if not self._has_grad():
            closure()
        params = [p for _, ps, _ in self._with_grad() for p in ps]
        for p in params:
            if 'grad' not in self.state[p]:
                self.state[p]['grad'] = torch.empty_like(p)
            self.state[p]['grad'].copy_(p.grad)
        dirs, norm = self._sam_gradients()
        if norm is not None:
            self._perturb(self.defaults['rho'], dirs, norm)
        self.zero_grad()
        if self.model is not None:
            disable_running_stats(self.model)
        try:
            loss = closure()
        finally:
            if self.model is not None:
                enable_running_stats(self.model)
        self._restore()
        gamma = self.defaults['gamma']
        alpha = gamma / (1.0 - gamma)
        both = [p for p in params if p.grad is not None]
        grads, old = [p.grad for p in both], [self.state[p]['grad'] for p in both]
        if self.defaults['decouple']:
            for p in both:
                if 'sharpness' not in self.state[p]:
                    self.state[p]['sharpness'] = torch.empty_like(p)
            sharp = [self.state[p]['sharpness'] for p in both]
            torch._foreach_copy_(sharp, grads)
            torch._foreach_sub_(sharp, old)
            torch._foreach_copy_(grads, old)
        elif both:
            torch._foreach_mul_(grads, alpha)
            torch._foreach_add_(grads, old, alpha=1.0 - alpha)
        if self.defaults['max_norm'] is not None:
            clip_grad_norm(both, self.defaults['max_norm'])
        self.optimizer.step()
        if self.defaults['decouple']:
            ids = {id(p) for p in both}
            for group in self.param_groups:
                ps = [p for p in group['params'] if id(p) in ids]
                if ps:
                    torch._foreach_add_(ps, [self.state[p]['sharpness'] for p in ps], alpha=-group['lr'] * alpha)
        self.zero_grad()
        return loss
