"""bSAM: Bayesian sharpness-aware minimization.

Reference: Möllenhoff & Khan, "SAM as an Optimal Relaxation of Bayes", ICLR 2023.
https://arxiv.org/abs/2210.01620
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim import Optimizer

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.validation import check_betas, check_bool, check_lr, check_non_negative, check_positive
from pytorch_optimizer.registry import register_wrapper


@register_wrapper
class BSAM(Optimizer):
    r"""Adam-like SAM with a Gaussian posterior :math:`\mathcal{N}(w, 1/(N s))` (Algorithm 1 of the paper).

    .. math::
        \varepsilon \sim \mathcal{N}\big(0, \tfrac{1}{N s}\big), \quad g = \nabla L(w + \varepsilon), \quad
        g_\epsilon = \nabla L\big(w + \rho\, g / s\big), \\
        m \leftarrow \beta_1 m + (1-\beta_1)(g_\epsilon + \delta w), \quad
        s \leftarrow \beta_2 s + (1-\beta_2)(\sqrt{s}\,|g| + \delta + \gamma), \quad
        w \leftarrow w - \eta\, m / s

    :math:`s` starts at 1 and :math:`m` at 0. Each ``step(closure)`` evaluates the closure twice (the
    wrapper zeroes gradients before each evaluation) and returns the second loss. Not a wrapper of
    another optimizer: it is registered with the wrappers because it is a SAM-family method with its
    own closure protocol. The noise comes from a generator whose state is in the state dict, so a
    resumed run is bit-identical.

    Args:
        params: parameters or groups.
        num_data: :math:`N`, the number of training examples.
        lr: :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`.
        weight_decay: :math:`\delta`, the prior precision (L2 regularization).
        rho: :math:`\rho`, the radius.
        adaptive: multiply the perturbation by :math:`w^2` (ASAM-style, as in the older library).
        damping: :math:`\gamma`.
        foreach: accepted for compatibility; foreach ops are always used.
        seed: seed of the noise generator (default: drawn from torch's global generator).
    """

    requires_closure = True

    def __init__(
        self,
        params: Any,
        num_data: int,
        lr: float = 0.5,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 1e-4,
        rho: float = 0.05,
        adaptive: bool = False,
        damping: float = 0.1,
        foreach: bool | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        check_positive(self, 'num_data', num_data)
        defaults = dict(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas),
            weight_decay=check_non_negative(self, 'weight_decay', weight_decay),
            rho=check_non_negative(self, 'rho', rho),
            adaptive=check_bool(self, 'adaptive', adaptive),
            damping=check_non_negative(self, 'damping', damping),
            num_data=num_data,
            foreach=foreach,
        )
        super().__init__(params, defaults)
        seed = int(torch.randint(0, 2**62, ())) if seed is None else seed
        self.state['bsam'] = {'rng': torch.Generator().manual_seed(seed).get_state()}

    def _params(self) -> list[tuple[dict, list[torch.Tensor]]]:
        return [(g, [p for p in g['params'] if p.requires_grad]) for g in self.param_groups]

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """Noisy gradient, adversarial gradient, Adam-like update."""
        if closure is None:
            raise NoClosureError(type(self).__name__, ': it evaluates the loss twice per step')
        closure = torch.enable_grad()(closure)
        groups = self._params()
        gen = torch.Generator()
        gen.set_state(self.state['bsam']['rng'])
        for group, params in groups:
            for p in params:
                state = self.state[p]
                if 's' not in state:
                    state['s'] = torch.ones_like(p)
                    state['momentum'] = torch.zeros_like(p)
                    state['old_p'] = torch.empty_like(p)
                state['old_p'].copy_(p)
                noise = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p.device)
                p.add_(noise.div_(state['s'].mul(group['num_data']).sqrt()))
        self.state['bsam'] = {'rng': gen.get_state()}
        self.zero_grad()
        closure()
        for group, params in groups:
            for p in params:
                state = self.state[p]
                p.copy_(state['old_p'])
                state['noisy_grad'] = torch.zeros_like(p) if p.grad is None else p.grad.clone()
                e = state['noisy_grad'].mul(group['rho']).div_(state['s'])
                if group['adaptive']:
                    e.mul_(p.square())
                p.add_(e)
        self.zero_grad()
        loss = closure()
        for group, params in groups:
            beta1, beta2 = group['betas']
            for p in params:
                state = self.state[p]
                p.copy_(state['old_p'])
                grad = torch.zeros_like(p) if p.grad is None else p.grad
                state['momentum'].mul_(beta1).add_(grad.add(p, alpha=group['weight_decay']), alpha=1.0 - beta1)
                var = (
                    state['s']
                    .sqrt()
                    .mul_(state.pop('noisy_grad').abs())
                    .add_(group['weight_decay'] + group['damping'])
                )
                state['s'].mul_(beta2).add_(var, alpha=1.0 - beta2)
                p.addcdiv_(state['momentum'], state['s'], value=-group['lr'])
        self.zero_grad()
        return loss
