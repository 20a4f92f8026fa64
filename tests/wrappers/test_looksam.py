import torch
from torch import nn

from pytorch_optimizer import LookSAM
from tests.wrappers.wrapper_utils import check_all

D = torch.float64
A = torch.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 3.0]], dtype=D)


def grad(x):
    return A @ x + x**2


def test_looksam_against_direct_computation():
    w = nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=D))
    opt = LookSAM([w], torch.optim.SGD, rho=0.1, k=3, alpha=0.7, lr=0.05)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = 0.5 * w @ A @ w + (w**3).sum() / 3
        loss.backward()
        return loss

    x, gv = w.detach().clone(), None
    for t in range(7):
        n = len(calls)
        opt.step(closure)
        g = grad(x)
        if t % 3 == 0:
            assert len(calls) - n == 2
            gs = grad(x + 0.1 * g / (g.norm() + 1e-12))
            gv = gs - (g @ gs) / (g @ g + 1e-12) * g
            x = x - 0.05 * gs
        else:
            assert len(calls) - n == 1
            x = x - 0.05 * (g + 0.7 * g.norm() / (gv.norm() + 1e-12) * gv)
        torch.testing.assert_close(w.detach(), x, rtol=1e-14, atol=1e-14)


def test_wrapper_contract():
    check_all(lambda m: LookSAM(m.parameters(), torch.optim.AdamW, rho=0.05, k=3, lr=0.01), before=4, after=5)
