"""Nero against its single-tensor reference, and its per-neuron constraint."""

import pytest
import torch

from pytorch_optimizer.optimizer.nero import Nero
from tests.reference.nero import NeroReference


def make_params():
    gen = torch.Generator().manual_seed(0)
    return [
        torch.randn(4, 3, generator=gen, dtype=torch.float64),
        torch.randn(2, 3, 2, generator=gen, dtype=torch.float64),
        torch.randn(5, generator=gen, dtype=torch.float64),
    ]


def backward(params):
    for p in params:
        p.grad = None
    sum(((i + 1.0) * (p - 0.5) ** 2).sum() + 0.1 * (p**4).sum() for i, p in enumerate(params)).backward()


@pytest.mark.parametrize('constraints', [True, False])
def test_matches_reference(constraints):
    kwargs = dict(lr=0.05, beta=0.9, constraints=constraints)
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, ref = Nero(ours, **kwargs), NeroReference(theirs, **kwargs)
    for _ in range(12):
        backward(ours)
        backward(theirs)
        opt.step()
        ref.step()
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_neurons_stay_centred_with_unit_norm():
    params = [p.requires_grad_() for p in make_params()]
    opt = Nero(params, lr=0.1)
    for _ in range(20):
        backward(params)
        opt.step()
        for p in params[:2]:
            rows = p.detach().reshape(p.shape[0], -1)
            torch.testing.assert_close(
                rows.norm(dim=1), torch.ones(p.shape[0], dtype=torch.float64), rtol=1e-7, atol=0
            )
            torch.testing.assert_close(
                rows.mean(dim=1), torch.zeros(p.shape[0], dtype=torch.float64), rtol=0, atol=1e-14
            )


@pytest.mark.parametrize('constraints', [True, False])
def test_stacks_of_same_shaped_tensors_match_per_tensor(constraints, monkeypatch):
    """The off-CPU form (stacks of same-shaped tensors, copied back; forced here on CPU) against the CPU form."""
    from pytorch_optimizer.base import functional as F

    runs = []
    for forced in (False, True):
        if forced:
            monkeypatch.setattr(F, 'cuda_bucket', lambda tensors: True)
        params = [p.requires_grad_() for p in make_params() + make_params()]
        opt = Nero(params, lr=0.05, beta=0.9, constraints=constraints, foreach=True)
        for _ in range(5):
            backward(params)
            opt.step()
        runs.append(params)
    for a, b in zip(*runs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
