"""LARS against its single-tensor reference, and the layer-wise trust ratio property."""

import itertools

import pytest
import torch

from pytorch_optimizer.optimizer.lars import LARS
from tests.reference.lars import LARSReference


def make_params():
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)]


def backward(params, scale=1.0):
    for p in params:
        p.grad = None
    (scale * sum(((i + 1.0) * (p - 0.5) ** 2).sum() + 0.1 * (p**4).sum() for i, p in enumerate(params))).backward()


CONFIGS = [
    dict(momentum=m, nesterov=n, dampening=d, weight_decay=wd)
    for (m, n), d, wd in itertools.product(((0.0, False), (0.9, False), (0.9, True)), (0.0, 0.3), (0.0, 0.05))
]


@pytest.mark.parametrize('config', CONFIGS, ids=str)
def test_matches_reference(config):
    kwargs = dict(lr=0.5, trust_coefficient=0.02, **config)
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, ref = LARS(ours, **kwargs), LARSReference(theirs, **kwargs)
    for _ in range(12):
        backward(ours)
        backward(theirs)
        opt.step()
        ref.step()
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('scale', [1e-3, 1.0, 1e3])
def test_step_is_lr_times_trust_times_weight_norm(scale):
    """Without momentum and decay every tensor moves by lr * eta * ||w||, whatever the gradient's scale."""
    params = [p.requires_grad_() for p in make_params()]
    opt = LARS(params, lr=0.5, momentum=0.0, trust_coefficient=0.02)
    backward(params, scale)
    before = [p.detach().clone() for p in params]
    opt.step()
    for p, b in zip(params, before):
        torch.testing.assert_close((p.detach() - b).norm(), 0.5 * 0.02 * b.norm(), rtol=1e-12, atol=0)
