import pytest
import torch
from torch import nn

from pytorch_optimizer import SAM, AdamP, NoClosureError, load_wrapper
from pytorch_optimizer.wrappers.sam import disable_running_stats, enable_running_stats
from tests.wrappers.wrapper_utils import check_all

D = torch.float64


def quad_closure(w, opt, a):
    def closure():
        opt.zero_grad()
        loss = 0.5 * (a * w * w).sum()
        loss.backward()
        return loss

    return closure


def test_sam_hand_computed_two_steps():
    # f = |w|^2 / 2, w0 = (3, 4), rho = 0.5, SGD lr 0.1: e = 0.5 * (0.6, 0.8) each step
    w = nn.Parameter(torch.tensor([3.0, 4.0], dtype=D))
    opt = SAM([w], torch.optim.SGD, rho=0.5, lr=0.1)
    opt.step(quad_closure(w, opt, torch.ones(2, dtype=D)))
    torch.testing.assert_close(w.detach(), torch.tensor([2.67, 3.56], dtype=D), rtol=0, atol=1e-13)
    opt.step(quad_closure(w, opt, torch.ones(2, dtype=D)))
    torch.testing.assert_close(w.detach(), torch.tensor([2.373, 3.164], dtype=D), rtol=0, atol=1e-13)
    assert w.grad is None


@pytest.mark.parametrize('adaptive', [False, True])
def test_sam_asam_against_direct_computation(adaptive):
    a = torch.tensor([1.0, 3.0, 0.5], dtype=D)
    w = nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=D))
    opt = SAM([w], torch.optim.SGD, rho=0.2, adaptive=adaptive, lr=0.1)
    x = w.detach().clone()
    for _ in range(2):
        opt.step(quad_closure(w, opt, a))
        g = a * x
        t = x.abs() if adaptive else torch.ones_like(x)
        e = 0.2 * t * t * g / ((t * g).norm() + 1e-12)
        x = x - 0.1 * a * (x + e)
        torch.testing.assert_close(w.detach(), x, rtol=1e-15, atol=1e-15)


def test_first_second_step_api_and_existing_gradient():
    a = torch.tensor([2.0, 1.0], dtype=D)
    w = nn.Parameter(torch.tensor([1.0, 1.0], dtype=D))
    opt = SAM([w], torch.optim.SGD, rho=0.1, lr=0.1)
    quad_closure(w, opt, a)()
    opt.first_step(zero_grad=True)
    perturbed = w.detach().clone()
    quad_closure(w, opt, a)()
    opt.second_step(zero_grad=True)
    torch.testing.assert_close(w.detach(), torch.ones(2, dtype=D) - 0.1 * a * perturbed)


def test_zoo_inner_and_validation():
    w = nn.Parameter(torch.tensor([1.0, -1.0], dtype=D))
    opt = SAM([w], AdamP, rho=0.05, lr=0.01)
    opt.step(quad_closure(w, opt, torch.ones(2, dtype=D)))
    assert load_wrapper('sam') is SAM
    with pytest.raises(NoClosureError):
        opt.step()
    with pytest.raises(ValueError, match='rho'):
        SAM([w], torch.optim.SGD, rho=-1.0, lr=0.1)
    with pytest.raises(TypeError):
        SAM([w], torch.optim.SGD, lr=0.1, rhoo=0.1)


def test_nan_gradient_does_not_perturb():
    w = nn.Parameter(torch.tensor([1.0, 2.0], dtype=D))
    opt = SAM([w], torch.optim.SGD, rho=0.1, lr=0.1)
    w.grad = torch.tensor([float('nan'), 1.0], dtype=D)
    opt.first_step()
    assert torch.equal(w.detach(), torch.tensor([1.0, 2.0], dtype=D))


def test_running_stats_helpers():
    bn = nn.BatchNorm1d(2).double()
    model = nn.Sequential(bn)
    x = torch.randn(8, 2, dtype=D)
    model(x)
    mean, count = bn.running_mean.clone(), bn.num_batches_tracked.clone()
    disable_running_stats(model)
    model(x + 5.0)
    assert torch.equal(bn.running_mean, mean)
    enable_running_stats(model)
    assert bn.momentum == 0.1 and torch.equal(bn.num_batches_tracked, count)
    model(x + 5.0)
    assert not torch.equal(bn.running_mean, mean)


@pytest.mark.parametrize('adaptive', [False, True])
def test_wrapper_contract(adaptive):
    check_all(lambda m: SAM(m.parameters(), torch.optim.AdamW, rho=0.05, adaptive=adaptive, lr=0.01))
