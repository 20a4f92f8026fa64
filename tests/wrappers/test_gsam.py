import pytest
import torch
from torch import nn

from pytorch_optimizer import GSAM, AdamP
from tests.wrappers.wrapper_utils import check_all

D = torch.float64
A = torch.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 3.0]], dtype=D)


class RhoStandIn:
    """Stand-in for ProportionScheduler: rho proportional to the optimizer's lr."""

    def __init__(self, optimizer, factor=2.0):
        self.optimizer, self.factor, self.value = optimizer, factor, None

    def step(self):
        self.value = self.factor * self.optimizer.param_groups[0]['lr']
        return self.value


def closure_for(w, opt):
    def closure():
        opt.zero_grad()
        loss = 0.5 * w @ A @ w + (w**3).sum() / 3
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize('adaptive', [False, True])
def test_gsam_against_direct_computation(adaptive):
    w = nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=D))
    base = torch.optim.SGD([w], lr=0.1)
    opt = GSAM([w], base, model=None, rho_scheduler=RhoStandIn(base, 0.5), alpha=0.4, adaptive=adaptive)
    assert opt.rho_t == 0.05

    def grad(x):
        return A @ x + x**2

    x = w.detach().clone()
    for _ in range(2):
        opt.step(closure_for(w, opt))
        g = grad(x)
        t = x.abs() if adaptive else torch.ones_like(x)
        gp = grad(x + 0.05 * t * t * g / ((t * g).norm() + 1e-12))
        cosine = (g @ gp) / (gp.norm() * g.norm() + 1e-12)  # the paper's decomposition, with its eps
        g_perp = g - cosine * g.norm() * gp / (gp.norm() + 1e-12)
        x = x - 0.1 * (gp - 0.4 * g_perp)
        torch.testing.assert_close(w.detach(), x, rtol=1e-14, atol=1e-14)


def test_gsam_surrogate_gap_direction_is_orthogonal():
    w = nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=D))
    base = torch.optim.SGD([w], lr=1.0)
    opt = GSAM([w], base, model=None, rho_scheduler=0.1, alpha=0.0)
    x = w.detach().clone()
    opt.step(closure_for(w, opt))
    sam_step = x - w.detach()
    w.data.copy_(x)
    opt.defaults['alpha'] = 1.0
    opt.step(closure_for(w, opt))
    correction = (x - w.detach()) - sam_step  # = -g_perp, orthogonal to g_p = sam_step
    assert abs(float(correction @ sam_step)) < 1e-10 * float(sam_step.norm() * correction.norm())


def test_update_rho_t_follows_lr_and_validates():
    w = nn.Parameter(torch.ones(2, dtype=D))
    base = torch.optim.SGD([w], lr=0.1)
    opt = GSAM([w], base, model=None, rho_scheduler=RhoStandIn(base))
    base.param_groups[0]['lr'] = 0.05
    assert opt.update_rho_t() == 0.1 and opt.rho_t == 0.1
    with pytest.raises(ValueError, match='alpha'):
        GSAM([w], base, model=None, rho_scheduler=0.1, alpha=2.0)


def test_gsam_class_base_and_zoo():
    w = nn.Parameter(torch.ones(3, dtype=D))
    opt = GSAM([w], AdamP, model=None, rho_scheduler=0.05, lr=0.01)
    opt.step(closure_for(w, opt))
    assert not torch.equal(w.detach(), torch.ones(3, dtype=D))


def test_wrapper_contract():
    def factory(model):
        base = torch.optim.AdamW(model.parameters(), lr=0.01)
        return GSAM(model.parameters(), base, model=model, rho_scheduler=RhoStandIn(base))

    check_all(factory)
