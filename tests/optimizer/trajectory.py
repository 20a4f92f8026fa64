"""Shared driver of the reference tests: the library and a reference follow the same gradients."""

from __future__ import annotations

import torch
from torch import nn

SHAPES = ((4, 3), (6,), (), (2, 3, 2))


def gradient(x: torch.Tensor, target: torch.Tensor, scale: float) -> torch.Tensor:
    """Gradient of a smooth non-quadratic loss: scale * (x - target)^2 / 2 + 0.05 x^4."""
    return scale * (x - target) + 0.2 * x**3


def compare(make_opt, make_ref, steps: int = 12, shapes=SHAPES, seed: int = 0, tol: float = 1e-12) -> None:
    """Step ``make_opt(params)`` and ``make_ref(tensors)`` side by side in float64; assert equal trajectories."""
    gen = torch.Generator().manual_seed(seed)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes]
    targets = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes]
    scales = [1.0 + i for i in range(len(shapes))]
    params = [nn.Parameter(x.clone()) for x in inits]
    refs = [x.clone() for x in inits]
    opt, ref = make_opt(params), make_ref(refs)
    for step in range(steps):
        for p, t, s in zip(params, targets, scales):
            p.grad = gradient(p.detach(), t, s)
        opt.step()
        ref.step([gradient(x, t, s) for x, t, s in zip(refs, targets, scales)])
        for i, (p, x) in enumerate(zip(params, refs)):
            torch.testing.assert_close(
                p.detach(), x, rtol=tol, atol=tol, msg=lambda m, step=step, i=i: f'step {step}, tensor {i}: {m}'
            )


class TorchReference:
    """Adapter: a ``torch.optim`` optimizer stepping plain tensors with given gradients."""

    def __init__(self, cls, tensors, **kwargs):
        self.tensors, self.opt = tensors, cls(tensors, **kwargs)

    def step(self, grads):
        for x, g in zip(self.tensors, grads):
            x.grad = g
        self.opt.step()
