"""Shared problem and paper property of the learning-rate-free tests (D-Adaptation family, Prodigy)."""

import itertools

import torch


def make_params():
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)]


def backward(params):
    for p in params:
        p.grad = None
    sum(((i + 1.0) * (p - 0.5) ** 2).sum() + 0.1 * (p**4).sum() for i, p in enumerate(params)).backward()


def assert_d_non_decreasing_and_grows(cls, steps: int = 60, d0: float = 1e-6) -> None:
    """The papers' property: the distance estimate d never decreases and grows well beyond d0."""
    params = [p.requires_grad_() for p in make_params()]
    opt = cls(params, d0=d0)
    ds = []
    for _ in range(steps):
        backward(params)
        opt.step()
        ds.append(opt.param_groups[0]['d'].item())
    assert all(b >= a for a, b in itertools.pairwise(ds))
    assert ds[-1] > 1e3 * d0
