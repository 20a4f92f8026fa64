"""Learning-rate dropout: apply each coordinate's update with probability ``1 - drop_prob``.

Reference: Lin et al., "Learning Rate Dropout", IEEE TNNLS 2022. https://arxiv.org/abs/1912.00144
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_bool, check_range
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.registry import register_wrapper


def lr_dropout_(params: list[Tensor], previous: list[Tensor], masks: list[Tensor], graft: bool = False) -> None:
    r"""In place: :math:`\theta \leftarrow \theta_{prev} + m \odot (\theta - \theta_{prev})` (``masks`` are booleans).

    With ``graft`` the masked update is rescaled to the global L2 norm of the full update (left
    unscaled where the masked update is zero).
    """
    if not graft:
        for p, prev, m in zip(params, previous, masks):
            p.copy_(torch.where(m, p, prev))
        return
    updates = torch._foreach_sub(params, previous)
    full = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(updates)))
    for u, m in zip(updates, masks):
        u.mul_(m)
    kept = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(updates)))
    ratio = torch.where(kept > 0, full / kept.clamp_min(torch.finfo(kept.dtype).tiny), torch.ones_like(kept))
    torch._foreach_mul_(updates, ratio)
    torch._foreach_copy_(params, torch._foreach_add(previous, updates))


@register_wrapper
class LRDropout(BaseWrapper):
    r"""Drop each coordinate's update with probability ``drop_prob`` after the inner optimizer formed it.

    .. math::
        m_i \sim \mathrm{Bernoulli}(1 - p), \quad \theta \leftarrow \theta - m \odot u

    where :math:`u` is the inner optimizer's full update (its states still see the full gradient).
    No :math:`1/(1-p)` rescaling (as in the paper); ``graft=True`` rescales the masked update to the
    full update's global norm instead. Dropped coordinates keep their previous value bit for bit.
    The masks come from a generator whose state is in the state dict, so a resumed run is
    bit-identical. Costs one copy of the parameters.

    Args:
        optimizer: the inner optimizer.
        drop_prob: :math:`p`, the probability of dropping a coordinate's update.
        graft: rescale the masked update to the norm of the full one.
        seed: seed of the mask generator (default: drawn from torch's global generator).
    """

    def __init__(self, optimizer: Optimizer, drop_prob: float = 0.5, graft: bool = False, *, seed: int | None = None):
        super().__init__(
            optimizer,
            dict(
                drop_prob=check_range(self, 'drop_prob', drop_prob, 0.0, 1.0, high_inclusive=True),
                graft=check_bool(self, 'graft', graft),
            ),
        )
        seed = int(torch.randint(0, 2**62, ())) if seed is None else seed
        self.state['lr_dropout'] = {'rng': torch.Generator().manual_seed(seed).get_state()}

    @torch.no_grad()
    def step(self, closure: Callable | None = None) -> Any:
        """Inner step, then mask its update coordinate-wise."""
        params = [p for group in self.param_groups for p in group['params'] if p.requires_grad]
        for p in params:
            if 'prev_param' not in self.state[p]:
                self.state[p]['prev_param'] = torch.empty_like(p)
            self.state[p]['prev_param'].copy_(p)
        loss = self.optimizer.step(closure)
        params = [p for p in params if p.grad is not None]
        gen = torch.Generator()
        gen.set_state(self.state['lr_dropout']['rng'])
        real = [torch.view_as_real(p) if p.is_complex() else p for p in params]
        prev = [self.state[p]['prev_param'] for p in params]
        prev = [torch.view_as_real(q) if q.is_complex() else q for q in prev]
        keep = 1.0 - self.defaults['drop_prob']
        masks = [(torch.rand(r.shape, generator=gen, dtype=torch.float64) < keep).to(r.device) for r in real]
        self.state['lr_dropout'] = {'rng': gen.get_state()}
        lr_dropout_(real, prev, masks, self.defaults['graft'])
        return loss
