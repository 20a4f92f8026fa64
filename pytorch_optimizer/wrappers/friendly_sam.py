"""FriendlySAM (F-SAM): perturb along the gradient minus its running mean.

Reference: Li et al., "Friendly Sharpness-Aware Minimization", CVPR 2024.
https://arxiv.org/abs/2403.12350
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from pytorch_optimizer.base.validation import check_bool, check_non_negative, check_range
from pytorch_optimizer.registry import register_wrapper
from pytorch_optimizer.wrappers.sam import SAMBase, global_norm


@register_wrapper
class FriendlySAM(SAMBase):
    r"""SAM whose perturbation removes the full-gradient component, estimated by an EMA of past gradients.

    .. math::
        d_t = g_t - \sigma m_{t-1}, \quad m_t = \lambda m_{t-1} + (1-\lambda) g_t, \quad
        \epsilon = \rho \frac{T_w^2 d_t}{\lVert T_w d_t\rVert + \epsilon_p}, \quad
        w \leftarrow \mathrm{base}\big(w, \nabla L(w+\epsilon)\big)

    At a parameter's first step :math:`m = g` and :math:`d = g` (as in the authors' code). See
    :class:`~pytorch_optimizer.wrappers.sam.SAMBase` for the closure protocol.

    Args:
        params: parameters or groups.
        base_optimizer: optimizer class built as ``base_optimizer(params, **kwargs)`` (or an instance).
        rho: neighbourhood radius.
        sigma: :math:`\sigma`, weight of the removed full-gradient estimate.
        lmbda: :math:`\lambda`, EMA coefficient.
        adaptive: ASAM's :math:`T_w = |w|`.
        perturb_eps: :math:`\epsilon_p`.
        foreach: accepted for compatibility; foreach ops are always used.
        kwargs: keyword arguments of ``base_optimizer``.
    """

    def __init__(
        self,
        params: Any,
        base_optimizer: Any,
        rho: float = 0.05,
        sigma: float = 1.0,
        lmbda: float = 0.9,
        adaptive: bool = False,
        perturb_eps: float = 1e-12,
        foreach: bool | None = None,
        **kwargs: Any,
    ) -> None:
        defaults = dict(
            rho=check_non_negative(self, 'rho', rho),
            sigma=check_non_negative(self, 'sigma', sigma),
            lmbda=check_range(self, 'lmbda', lmbda, 0.0, 1.0, high_inclusive=True),
            adaptive=check_bool(self, 'adaptive', adaptive),
            perturb_eps=check_non_negative(self, 'perturb_eps', perturb_eps),
            foreach=foreach,
        )
        super().__init__(params, base_optimizer, defaults, kwargs)

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """Friendly perturbation from the present gradient, closure at :math:`w + \\epsilon`, base step."""
        closure = self._closure(closure)
        if not self._has_grad():
            closure()
        sigma, lmbda = self.defaults['sigma'], self.defaults['lmbda']
        dirs, tgs = [], []
        for _, params, grads in self._with_grad():
            d = []
            for p, g in zip(params, grads):
                state = self.state[p]
                if 'momentum' not in state:
                    state['momentum'] = g.clone()
                    d.append(g)
                else:
                    d.append(g - sigma * state['momentum'])
                    state['momentum'].lerp_(g, 1.0 - lmbda)
            tg, dd = self._directions(params, d)
            tgs.extend(tg)
            dirs.append(dd)
        if tgs:
            self._perturb(self.defaults['rho'], dirs, global_norm(tgs))
        self.zero_grad()
        loss = closure()
        self._restore()
        self.optimizer.step()
        self.zero_grad()
        return loss
