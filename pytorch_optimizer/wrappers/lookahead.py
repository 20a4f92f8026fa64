"""Lookahead.

Reference: Zhang et al., "Lookahead Optimizer: k steps forward, 1 step back", NeurIPS 2019.
https://arxiv.org/abs/1907.08610
"""

from __future__ import annotations

from typing import Any

import torch
from torch.optim import Optimizer

from pytorch_optimizer.base.functional import copy_
from pytorch_optimizer.base.validation import check_choice, check_positive_int, check_range
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.registry import register_wrapper

MOMENTUM_KEYS = ('momentum_buffer', 'exp_avg')


@register_wrapper
class Lookahead(BaseWrapper):
    r"""Keep slow weights; every ``k`` inner steps pull them towards the fast weights and restart there.

    .. math::
        \phi \leftarrow \phi + \alpha(\theta - \phi), \quad \theta \leftarrow \phi
        \quad \text{every } k \text{ steps}

    Args:
        optimizer: the inner ("fast") optimizer.
        k: number of inner steps between synchronizations.
        alpha: slow-weight step size :math:`\alpha`.
        pullback_momentum: what happens to the inner optimizer's momentum (``momentum_buffer`` or
            ``exp_avg``) at a synchronization: ``'none'`` keeps it, ``'reset'`` zeroes it,
            ``'pullback'`` interpolates it with the slow momentum like the weights.
    """

    def __init__(self, optimizer: Optimizer, k: int = 5, alpha: float = 0.5, pullback_momentum: str = 'none') -> None:
        super().__init__(
            optimizer,
            dict(
                k=check_positive_int(self, 'k', k),
                alpha=check_range(self, 'alpha', alpha, 0.0, 1.0, high_inclusive=True),
                pullback_momentum=check_choice(
                    self, 'pullback_momentum', pullback_momentum, ('none', 'reset', 'pullback')
                ),
            ),
        )

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        """Take one inner step; synchronize with the slow weights every ``k`` calls."""
        params = [p for group in self.param_groups for p in group['params']]
        for p in params:
            if 'slow_param' not in self.state[p]:
                self.state[p]['slow_param'] = p.detach().clone()
        loss = self.optimizer.step(closure)
        step = self.state['lookahead'].get('step', 0) + 1
        self.state['lookahead'] = {'step': step}  # a new dict: state dicts taken earlier keep their value
        if step % self.defaults['k'] == 0:
            self._synchronize(params)
        return loss

    def _synchronize(self, params: list[torch.Tensor]) -> None:
        alpha, mode = self.defaults['alpha'], self.defaults['pullback_momentum']
        slow = [self.state[p]['slow_param'] for p in params]
        torch._foreach_lerp_(slow, params, alpha)
        copy_(params, slow)
        if mode == 'none':
            return
        for p in params:
            inner = self.optimizer.state.get(p, {})
            key = next((k for k in MOMENTUM_KEYS if k in inner), None)
            if key is None:
                continue
            if mode == 'reset':
                inner[key].zero_()
            else:
                slow_mom = self.state[p].setdefault('slow_momentum', torch.zeros_like(inner[key]))
                inner[key].lerp_(slow_mom, 1.0 - alpha)
                slow_mom.copy_(inner[key])
