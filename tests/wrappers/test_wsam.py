import pytest
import torch
from torch import nn

from pytorch_optimizer import WSAM
from tests.wrappers.wrapper_utils import check_all

D = torch.float64
A = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=D)


def grad(x):
    return A @ x + x**2


def closure_for(w, opt):
    def closure():
        opt.zero_grad()
        loss = 0.5 * w @ A @ w + (w**3).sum() / 3
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize('decouple', [False, True])
def test_wsam_against_direct_computation(decouple):
    w = nn.Parameter(torch.tensor([1.0, -2.0], dtype=D))
    opt = WSAM(None, [w], torch.optim.SGD, rho=0.1, gamma=0.5, decouple=decouple, lr=0.1, momentum=0.9)
    x, buf = w.detach().clone(), None
    alpha = 0.5 / (1 - 0.5)
    for _ in range(3):
        opt.step(closure_for(w, opt))
        g = grad(x)
        gp = grad(x + 0.1 * g / (g.norm() + 1e-12))
        d = g if decouple else alpha * gp + (1 - alpha) * g
        buf = d.clone() if buf is None else 0.9 * buf + d
        x = x - 0.1 * buf
        if decouple:
            x = x - 0.1 * alpha * (gp - g)
        torch.testing.assert_close(w.detach(), x, rtol=1e-14, atol=1e-14)


def test_max_norm_clips_the_base_gradient():
    w = nn.Parameter(torch.tensor([1.0, -2.0], dtype=D))
    opt = WSAM(None, [w], torch.optim.SGD, rho=0.1, gamma=0.0, max_norm=0.01, lr=1.0)
    x = w.detach().clone()
    opt.step(closure_for(w, opt))
    torch.testing.assert_close((x - w.detach()).norm(), torch.tensor(0.01, dtype=D))
    with pytest.raises(ValueError, match='gamma'):
        WSAM(None, [w], torch.optim.SGD, gamma=1.0, lr=0.1)


@pytest.mark.parametrize('decouple', [False, True])
def test_wrapper_contract(decouple):
    check_all(lambda m: WSAM(m, m.parameters(), torch.optim.AdamW, rho=0.05, decouple=decouple, lr=0.01))
