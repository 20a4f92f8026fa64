"""Prodigy against its single-tensor reference, and D-Adaptation's monotone d estimate."""

import itertools

import pytest
import torch

from pytorch_optimizer.optimizer.prodigy import Prodigy
from tests.reference.prodigy import ProdigyReference


def make_params():
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)]


def backward(params):
    for p in params:
        p.grad = None
    sum(((i + 1.0) * (p - 0.5) ** 2).sum() + 0.1 * (p**4).sum() for i, p in enumerate(params)).backward()


NAMES = ('weight_decouple', 'fixed_decay', 'bias_correction', 'safeguard_warmup')
FLAGS = [dict(zip(NAMES, combo)) for combo in itertools.product((False, True), repeat=len(NAMES))]


@pytest.mark.parametrize('flags', FLAGS, ids=str)
def test_matches_reference(flags):
    kwargs = dict(lr=1.0, d0=1e-3, growth_rate=1.5, weight_decay=0.05, d_coef=0.8, **flags)
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, ref = Prodigy(ours, **kwargs), ProdigyReference(theirs, **kwargs)
    for _ in range(15):
        backward(ours)
        backward(theirs)
        opt.step()
        ref.step()
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(opt.param_groups[0]['d'].item(), ref.d, rtol=1e-10, atol=0)
    assert ref.d > 1e-5  # the estimate moved, so the comparison exercised the adaptation


def test_d_is_non_decreasing_and_grows():
    params = [p.requires_grad_() for p in make_params()]
    opt = Prodigy(params, d0=1e-6)
    ds = []
    for _ in range(60):
        backward(params)
        opt.step()
        ds.append(opt.param_groups[0]['d'].item())
    assert all(b >= a for a, b in itertools.pairwise(ds))
    assert ds[-1] > 1e3 * 1e-6
