"""Fromage against its single-tensor reference, and its norm-preserving step."""

import pytest
import torch

from pytorch_optimizer.optimizer.fromage import Fromage
from tests.reference.fromage import FromageReference


def make_params():
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)]


def backward(params):
    for p in params:
        p.grad = None
    sum(((i + 1.0) * (p - 2.0) ** 2).sum() + 0.1 * (p**4).sum() for i, p in enumerate(params)).backward()


@pytest.mark.parametrize('p_bound', [None, 0.8])
def test_matches_reference(p_bound):
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, ref = Fromage(ours, lr=0.1, p_bound=p_bound), FromageReference(theirs, lr=0.1, p_bound=p_bound)
    ratios = []
    for _ in range(12):
        backward(ours)
        backward(theirs)
        opt.step()
        ref.step()
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
        ratios += [(p.norm() / q.norm()).item() for p, q in zip(ours, make_params())]
    if p_bound is not None:  # the bound holds and was active
        assert max(ratios) <= 0.8 + 1e-12 and any(abs(r - 0.8) < 1e-12 for r in ratios)


def test_gradient_orthogonal_to_weights_keeps_the_norm():
    """The 1/sqrt(1+lr^2) factor exactly undoes the growth of an orthogonal step (Bernstein et al., Sec. 5)."""
    w = torch.nn.Parameter(torch.tensor([3.0, 4.0, 0.0], dtype=torch.float64))
    opt = Fromage([w], lr=0.3)
    w.grad = torch.tensor([4.0, -3.0, 0.0], dtype=torch.float64)  # <g, w> = 0
    opt.step()
    torch.testing.assert_close(w.detach().norm(), torch.tensor(5.0, dtype=torch.float64), rtol=1e-14, atol=0)
