import torch
from torch import nn

from pytorch_optimizer import FriendlySAM
from tests.wrappers.wrapper_utils import check_all

D = torch.float64
A = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=D)


def grad(x):
    return A @ x + x**2


def test_friendly_sam_against_direct_computation():
    w = nn.Parameter(torch.tensor([1.0, -2.0], dtype=D))
    opt = FriendlySAM([w], torch.optim.SGD, rho=0.1, sigma=0.8, lmbda=0.6, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = 0.5 * w @ A @ w + (w**3).sum() / 3
        loss.backward()
        return loss

    x, m = w.detach().clone(), None
    for _ in range(4):
        opt.step(closure)
        g = grad(x)
        if m is None:
            d, m = g, g.clone()
        else:
            d, m = g - 0.8 * m, 0.6 * m + 0.4 * g
        x = x - 0.1 * grad(x + 0.1 * d / (d.norm() + 1e-12))
        torch.testing.assert_close(w.detach(), x, rtol=1e-14, atol=1e-14)


def test_wrapper_contract():
    check_all(lambda m: FriendlySAM(m.parameters(), torch.optim.AdamW, rho=0.05, lr=0.01))
