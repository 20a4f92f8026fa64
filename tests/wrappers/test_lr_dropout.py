import pytest
import torch
from torch import nn

from pytorch_optimizer import AdamP, LRDropout
from tests.wrappers.wrapper_utils import check_all

D = torch.float64


def linear_step(opt, w, c):
    opt.zero_grad()
    (c * w).sum().backward()
    opt.step()


def test_zero_drop_is_identity():
    w1, w2 = (nn.Parameter(torch.linspace(-1, 1, 50, dtype=D)) for _ in range(2))
    c = torch.linspace(0.5, 2.0, 50, dtype=D)
    inner, wrapped = torch.optim.AdamW([w1], lr=0.1), LRDropout(torch.optim.AdamW([w2], lr=0.1), drop_prob=0.0, seed=0)
    for _ in range(3):
        linear_step(inner, w1, c)
        linear_step(wrapped, w2, c)
    assert torch.equal(w1, w2)


@pytest.mark.parametrize('inner_cls', [torch.optim.AdamW, AdamP])
def test_mask_keeps_fraction_and_moments_see_the_full_gradient(inner_cls):
    n = 20000
    w1, w2 = nn.Parameter(torch.ones(n, dtype=D)), nn.Parameter(torch.ones(n, dtype=D))
    c = torch.linspace(0.5, 2.0, n, dtype=D)
    plain, wrapped = inner_cls([w1], lr=0.1), LRDropout(inner_cls([w2], lr=0.1), drop_prob=0.3, seed=0)
    before = w2.detach().clone()
    linear_step(plain, w1, c)
    linear_step(wrapped, w2, c)
    moved = w2 != before
    assert abs(moved.double().mean().item() - 0.7) < 0.02
    assert torch.equal(w2[moved], w1[moved]) and torch.equal(w2[~moved], before[~moved])
    linear_step(plain, w1, c)
    linear_step(wrapped, w2, c)
    for key, value in plain.state[w1].items():  # the gradient is constant: states must agree exactly
        assert torch.equal(value, wrapped.optimizer.state[w2][key]), key


def test_graft_keeps_the_update_norm():
    w1, w2 = nn.Parameter(torch.ones(1000, dtype=D)), nn.Parameter(torch.ones(1000, dtype=D))
    c = torch.linspace(0.5, 2.0, 1000, dtype=D)
    linear_step(torch.optim.SGD([w1], lr=0.1), w1, c)
    linear_step(LRDropout(torch.optim.SGD([w2], lr=0.1), drop_prob=0.5, graft=True, seed=0), w2, c)
    torch.testing.assert_close((w2 - 1).norm(), (w1 - 1).norm())
    assert ((w2 - 1) == 0).any()


def test_validation():
    with pytest.raises(ValueError, match='drop_prob'):
        LRDropout(torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=0.1), drop_prob=1.5)


def test_wrapper_contract():
    check_all(lambda m: LRDropout(torch.optim.AdamW(m.parameters(), lr=0.01), drop_prob=0.4, seed=2))
