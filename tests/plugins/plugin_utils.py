"""Attach a plug-in to an optimizer and compare with the same optimizer fed the directly computed gradients."""

from __future__ import annotations

import torch
from torch import nn

from pytorch_optimizer import AdamP

D = torch.float64
OPTIMIZERS = [torch.optim.AdamW, AdamP]


def make_params(seed: int = 0) -> list[nn.Parameter]:
    gen = torch.Generator().manual_seed(seed)
    shapes = [(4, 3), (5,), (2, 3, 2, 2), (1,)]
    return [nn.Parameter(torch.randn(s, generator=gen, dtype=D)) for s in shapes]


def check_against_direct(attach, direct, cls, steps: int = 3) -> None:
    """``attach(opt)`` returns a handle; ``direct(params, grads)`` returns the transformed gradients."""
    p1, p2 = make_params(), make_params()
    o1, o2 = cls(p1, lr=0.01), cls(p2, lr=0.01)
    handle = attach(o1)
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        grads = [torch.randn(p.shape, generator=gen, dtype=D) for p in p1]
        for p, g in zip(p1, grads):
            p.grad = g.clone()
        for p, g in zip(p2, direct([q.detach().clone() for q in p2], [g.clone() for g in grads])):
            p.grad = g
        o1.step()
        o2.step()
        for a, b in zip(p1, p2):
            torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-14)
    handle.remove()
    g = torch.ones_like(p1[0])
    p1[0].grad = g.clone()
    o1.step()
    assert torch.equal(p1[0].grad, g)
