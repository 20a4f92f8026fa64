import pytest
import torch
from torch import nn

from pytorch_optimizer import AdamP, Lookahead
from tests.wrappers.wrapper_utils import check_deepcopy, check_hooks, check_nested, check_resume

D = torch.float64


@pytest.mark.parametrize('mode', ['none', 'reset', 'pullback'])
@pytest.mark.parametrize('inner_cls', [torch.optim.AdamW, AdamP])
def test_interrupted_at_step_3_of_5_resumes_bit_identically(mode, inner_cls):
    check_resume(lambda m: Lookahead(inner_cls(m.parameters(), lr=0.01), k=5, alpha=0.5, pullback_momentum=mode), 3, 9)


@pytest.mark.parametrize('mode', ['none', 'reset', 'pullback'])
def test_pullback_modes_against_direct_computation(mode):
    a = torch.tensor([1.0, 3.0], dtype=D)
    w = nn.Parameter(torch.tensor([1.0, -1.0], dtype=D))
    opt = Lookahead(torch.optim.SGD([w], lr=0.1, momentum=0.9), k=2, alpha=0.5, pullback_momentum=mode)
    x, slow, buf, slow_mom = w.detach().clone(), w.detach().clone(), None, torch.zeros(2, dtype=D)
    for t in range(1, 7):
        opt.zero_grad()
        (0.5 * a * w * w).sum().backward()
        opt.step()
        g = a * x
        buf = g.clone() if buf is None else 0.9 * buf + g
        x = x - 0.1 * buf
        if t % 2 == 0:
            slow = slow + 0.5 * (x - slow)
            x = slow.clone()
            if mode == 'reset':
                buf = torch.zeros(2, dtype=D)
            elif mode == 'pullback':
                buf = 0.5 * buf + 0.5 * slow_mom
                slow_mom = buf.clone()
        torch.testing.assert_close(w.detach(), x, rtol=1e-15, atol=1e-15)
        torch.testing.assert_close(opt.optimizer.state[w]['momentum_buffer'], buf, rtol=1e-15, atol=1e-15)


def test_validation():
    opt = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match='pullback_momentum'):
        Lookahead(opt, pullback_momentum='bogus')
    with pytest.raises(ValueError, match='k'):
        Lookahead(opt, k=0)


def factory(m):
    return Lookahead(torch.optim.AdamW(m.parameters(), lr=0.01), k=5)


def test_wrapper_contract():
    check_deepcopy(factory)
    check_hooks(factory)


def test_nested_lookahead_resumes():
    check_nested(factory)
