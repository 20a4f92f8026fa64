"""PCGrad: gradient surgery for multi-task learning.

Reference: Yu et al., "Gradient Surgery for Multi-Task Learning", NeurIPS 2020.
https://arxiv.org/abs/2001.06782
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_choice
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.registry import register_wrapper


def project_conflicting(grads: list[Tensor], order: list[list[int]]) -> list[Tensor]:
    r"""PCGrad projection of flattened task gradients; ``order[i]`` lists the tasks :math:`j \ne i` in visiting order.

    .. math::
        g_i \leftarrow g_i - \frac{\min(\langle g_i, g_j\rangle, 0)}{\lVert g_j\rVert^2} g_j

    (a projection only when the two conflict; written without a data-dependent branch).
    """
    out = []
    sq = [g.dot(g).clamp_min(torch.finfo(g.dtype).tiny) for g in grads]
    for i, g_i in enumerate(grads):
        g = g_i.clone()
        for j in order[i]:
            g.sub_(grads[j] * (g.dot(grads[j]).clamp(max=0.0) / sq[j]))
        out.append(g)
    return out


@register_wrapper
class PCGrad(BaseWrapper):
    r"""Project each task gradient onto the normal plane of every conflicting one, then combine.

    ``pc_backward(losses)`` computes each task's gradient with ``torch.autograd.grad``, projects them
    (tasks visited in a random order per task, from a generator whose state is in the state dict),
    and writes ``p.grad``: over coordinates every task touches, the ``reduction`` of the projected
    gradients; elsewhere the sum of the task gradients. As in the paper, projections (inner products
    and norms) use the shared coordinates only; the older library also counted task-specific ones.
    Existing gradients are replaced; parameters no task reaches keep
    ``grad = None``. ``step()`` is the inner optimizer's step.

    Args:
        optimizer: the inner optimizer.
        reduction: ``'mean'`` or ``'sum'`` over tasks for the shared coordinates.
        seed: seed of the visiting-order generator (default: drawn from torch's global generator).
    """

    def __init__(self, optimizer: Optimizer, reduction: str = 'mean', *, seed: int | None = None) -> None:
        super().__init__(optimizer, dict(reduction=check_choice(self, 'reduction', reduction, ('mean', 'sum'))))
        seed = int(torch.randint(0, 2**62, ())) if seed is None else seed
        self.state['pcgrad'] = {'rng': torch.Generator().manual_seed(seed).get_state()}

    def step(self, closure: Callable | None = None) -> Any:
        """The inner optimizer's step."""
        return self.optimizer.step(closure)

    def pc_backward(self, objectives: Sequence[Tensor]) -> None:
        """Write the PCGrad-combined gradient of ``objectives`` (one scalar loss per task) into ``p.grad``."""
        params = [p for group in self.param_groups for p in group['params'] if p.requires_grad]
        flats, touched = [], []
        reached = [False] * len(params)
        for loss in objectives:
            grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
            reached = [r or g is not None for r, g in zip(reached, grads)]
            flats.append(
                torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for p, g in zip(params, grads)])
            )
            touched.append(torch.cat([torch.full((p.numel(),), g is not None) for p, g in zip(params, grads)]))
        gen = torch.Generator()
        gen.set_state(self.state['pcgrad']['rng'])
        n = len(flats)
        order = [[j for j in torch.randperm(n, generator=gen).tolist() if j != i] for i in range(n)]
        self.state['pcgrad'] = {'rng': gen.get_state()}
        shared = torch.stack(touched).all(dim=0).to(flats[0].device)
        projected = torch.stack(project_conflicting([f * shared for f in flats], order))
        reduced = projected.mean(dim=0) if self.defaults['reduction'] == 'mean' else projected.sum(dim=0)
        merged = torch.where(shared, reduced, torch.stack(flats).sum(dim=0))
        for p, chunk, hit in zip(params, merged.split([p.numel() for p in params]), reached):
            if hit:
                p.grad = chunk.view_as(p).clone()
