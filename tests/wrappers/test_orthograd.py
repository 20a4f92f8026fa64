import torch
from torch import nn

from pytorch_optimizer import OrthoGrad
from tests.wrappers.wrapper_utils import check_all

D = torch.float64


def test_wrapper_uses_orthogonal_gradient_of_same_norm():
    w = nn.Parameter(torch.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=D))
    opt = OrthoGrad(torch.optim.SGD([w], lr=1.0))
    g = torch.tensor([[0.3, -0.2], [1.0, 0.4]], dtype=D)
    x = w.detach().clone()
    w.grad = g.clone()
    opt.step()
    g_perp = g - (x * g).sum() / (x * x).sum() * x
    expected = g_perp * g.norm() / g_perp.norm()
    torch.testing.assert_close(x - w.detach(), expected, rtol=1e-14, atol=1e-14)
    assert abs(float(((x - w.detach()) * x).sum())) < 1e-14


def test_wrapper_contract():
    check_all(lambda m: OrthoGrad(torch.optim.AdamW(m.parameters(), lr=0.01)))
