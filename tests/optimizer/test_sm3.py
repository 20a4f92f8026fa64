"""SM3 against its cover-set reference and torch.optim.Adagrad; its state is sub-linear."""

import pytest
import torch

from pytorch_optimizer.optimizer.sm3 import SM3
from tests.reference.sm3 import SM3Reference


def make_params():
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)]


def backward(params):
    for p in params:
        p.grad = None
    sum(((i + 1.0) * (p - 0.5) ** 2).sum() + 0.1 * (p**4).sum() for i, p in enumerate(params)).backward()


@pytest.mark.parametrize(('momentum', 'beta'), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.5), (0.9, 0.5)])
def test_matches_reference(momentum, beta):
    kwargs = dict(lr=0.1, momentum=momentum, beta=beta)
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, ref = SM3(ours, **kwargs), SM3Reference(theirs, **kwargs)
    for _ in range(12):
        backward(ours)
        backward(theirs)
        opt.step()
        ref.step()
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_vectors_match_torch_adagrad():
    """For a vector every entry is its own cover set: SM3 is diagonal AdaGrad."""
    ours, theirs = [make_params()[1].requires_grad_()], [make_params()[1].requires_grad_()]
    opt, ref = SM3(ours, lr=0.1), torch.optim.Adagrad(theirs, lr=0.1, eps=0.0)
    for _ in range(12):
        backward(ours)
        backward(theirs)
        opt.step()
        ref.step()
        torch.testing.assert_close(ours[0], theirs[0], rtol=1e-13, atol=1e-15)


def test_state_is_sublinear():
    p = torch.nn.Parameter(torch.randn(100, 50, 3, dtype=torch.float64))
    opt = SM3([p])
    p.grad = torch.randn_like(p)
    opt.step()
    assert sum(t.numel() for t in opt.state[p].values()) == 100 + 50 + 3
