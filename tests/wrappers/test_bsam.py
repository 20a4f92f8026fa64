import pytest
import torch
from torch import nn

from pytorch_optimizer import BSAM, NoClosureError
from tests.wrappers.wrapper_utils import check_resume, drive_closure, make_model

D = torch.float64
A = torch.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 3.0]], dtype=D)


def grad(x):
    return A @ x + x**2


@pytest.mark.parametrize('adaptive', [False, True])
def test_bsam_against_algorithm_1(adaptive):
    w = nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=D))
    opt = BSAM(
        [w], num_data=50, lr=0.1, betas=(0.8, 0.9), weight_decay=0.01, rho=0.05, adaptive=adaptive, damping=0.1, seed=7
    )

    def closure():
        loss = 0.5 * w @ A @ w + (w**3).sum() / 3
        loss.backward()
        return loss

    gen = torch.Generator().manual_seed(7)
    x, s, m = w.detach().clone(), torch.ones(3, dtype=D), torch.zeros(3, dtype=D)
    for _ in range(4):
        opt.step(closure)
        noise = torch.randn(3, generator=gen, dtype=D) / (50 * s).sqrt()
        g = grad(x + noise)
        e = 0.05 * g / s * (x * x if adaptive else 1.0)
        g_eps = grad(x + e)
        m = 0.8 * m + 0.2 * (g_eps + 0.01 * x)
        s = 0.9 * s + 0.1 * (s.sqrt() * g.abs() + 0.01 + 0.1)
        x = x - 0.1 * m / s
        torch.testing.assert_close(w.detach(), x, rtol=1e-14, atol=1e-14)


def test_bsam_requires_closure_and_validates():
    w = nn.Parameter(torch.ones(2, dtype=D))
    with pytest.raises(NoClosureError):
        BSAM([w], num_data=10).step()
    with pytest.raises(ValueError, match='num_data'):
        BSAM([w], num_data=0)


def test_bsam_resume_deepcopy_hooks():
    check_resume(lambda m: BSAM(m.parameters(), num_data=100, lr=0.01, seed=3), 3, 3)
    model = make_model()
    opt = BSAM(model.parameters(), num_data=100, lr=0.01, seed=3)
    calls = []
    opt.register_step_post_hook(lambda o, a, k: calls.append(1))
    drive_closure(opt, model, 2)
    assert calls == [1, 1]
