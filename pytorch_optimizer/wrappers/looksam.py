"""LookSAM: SAM every k steps, reusing the sharpness direction in between.

Reference: Liu et al., "Towards Efficient and Scalable Sharpness-Aware Minimization", CVPR 2022.
https://arxiv.org/abs/2203.02714
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from pytorch_optimizer.base.validation import check_bool, check_non_negative, check_positive_int
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers.sam import SAMBase, global_norm


@register_wrapper
class LookSAM(SAMBase):
    r"""Every ``k``-th step a SAM step that also stores :math:`g_v`; other steps add it back to the plain gradient.

    .. math::
        t \bmod k = 0: \; g_s = \nabla L(w + \epsilon), \;
        g_v = g_s - \frac{\langle g, g_s\rangle}{\lVert g\rVert^2} g, \; \text{update with } g_s; \qquad
        \text{else: update with } g + \alpha \frac{\lVert g\rVert}{\lVert g_v\rVert} g_v

    :math:`g_v` is the component of the SAM gradient orthogonal to the plain gradient (the paper's
    :math:`g_s - \lVert g_s\rVert\cos\theta\, g/\lVert g\rVert`). Norms and inner products are over all
    parameters, as in the paper (the older library used per-tensor ones). Only ``k``-th steps evaluate the
    closure at perturbed weights: other steps cost one gradient. The step counter and :math:`g_v` are
    kept in the state dict. See :class:`~pytorch_optimizer.wrappers.sam.SAMBase` for the closure protocol.

    Args:
        params: parameters or groups.
        base_optimizer: optimizer class built as ``base_optimizer(params, **kwargs)`` (or an instance).
        rho: neighbourhood radius.
        k: period of the SAM steps.
        alpha: :math:`\alpha`, weight of the reused direction.
        adaptive: ASAM's :math:`T_w = |w|`.
        use_gc: centralize the gradient that defines the perturbation.
        perturb_eps: added to the norms.
        foreach: accepted for compatibility; foreach ops are always used.
        kwargs: keyword arguments of ``base_optimizer``.
    """

    def __init__(
        self,
        params: Any,
        base_optimizer: Any,
        rho: float = 0.1,
        k: int = 10,
        alpha: float = 0.7,
        adaptive: bool = False,
        use_gc: bool = False,
        perturb_eps: float = 1e-12,
        foreach: bool | None = None,
        **kwargs: Any,
    ) -> None:
        defaults = dict(
            rho=check_non_negative(self, 'rho', rho),
            k=check_positive_int(self, 'k', k),
            alpha=check_non_negative(self, 'alpha', alpha),
            adaptive=check_bool(self, 'adaptive', adaptive),
            use_gc=check_bool(self, 'use_gc', use_gc),
            perturb_eps=check_non_negative(self, 'perturb_eps', perturb_eps),
            foreach=foreach,
        )
        super().__init__(params, base_optimizer, defaults, kwargs)
        self.state['looksam'] = {'step': 0}

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """A SAM step (every ``k``-th call) or a gradient step corrected by the stored :math:`g_v`."""
        closure = self._closure(closure)
        loss = None
        if not self._has_grad():
            loss = closure()
        counter = self.state['looksam']
        eps = self.defaults['perturb_eps']
        params = [p for _, ps, _ in self._with_grad() for p in ps]
        if counter['step'] % self.defaults['k'] == 0:
            for p in params:
                if 'old_grad' not in self.state[p]:
                    self.state[p]['old_grad'] = torch.empty_like(p)
                    self.state[p]['gv'] = torch.zeros_like(p)
                self.state[p]['old_grad'].copy_(p.grad)
            dirs, norm = self._sam_gradients()
            if norm is not None:
                self._perturb(self.defaults['rho'], dirs, norm)
            self.zero_grad()
            loss = closure()
            self._restore()
            both = [p for p in params if p.grad is not None]
            if both:
                g, gs = [self.state[p]['old_grad'] for p in both], [p.grad for p in both]
                dot = torch.stack([torch.sum(a * b) for a, b in zip(g, gs)]).sum()
                coef = dot / (global_norm(g).square() + eps)
                coef = torch.where(torch.isfinite(coef), coef, torch.zeros_like(coef))
                gv = [self.state[p]['gv'] for p in both]
                torch._foreach_copy_(gv, gs)
                torch._foreach_sub_(gv, torch._foreach_mul(g, coef))
        else:
            both = [p for p in params if 'gv' in self.state[p]]
            if both:
                grads, gv = [p.grad for p in both], [self.state[p]['gv'] for p in both]
                scale = self.defaults['alpha'] * global_norm(grads) / (global_norm(gv) + eps)
                torch._foreach_add_(grads, torch._foreach_mul(gv, scale))
        self.optimizer.step()
        self.state['looksam'] = {'step': counter['step'] + 1}  # fresh dict: earlier state_dict()s stay valid
        self.zero_grad()
        return loss
