import math

import pytest
import torch

from pytorch_optimizer import ASGD
from tests.optimizer.pilot_utils import grad_fn
from tests.reference.asgd import asgd_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'amplifier': 1.0, 'dampening': 2.0, 'eps': 0.0, 'theta': math.inf},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1, 'fixed_decay': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
@pytest.mark.parametrize('foreach', [False, True])
def test_matches_reference(flags, foreach):
    kwargs = {'lr': 1e-2, **flags}
    gen = torch.Generator().manual_seed(0)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    params = [torch.nn.Parameter(x.clone()) for x in inits]
    refs = [x.clone() for x in inits]
    state = {}
    opt = ASGD(params, foreach=foreach, **kwargs)
    for k in range(15):
        for p in params:
            p.grad = grad_fn(p.detach(), k)
        grads = [grad_fn(r, k) for r in refs]
        opt.step()
        asgd_step(refs, grads, state, **kwargs)
        torch.testing.assert_close(opt.param_groups[0]['adaptive_lr'].item(), state['lam'], rtol=1e-12, atol=0)
        for p, r in zip(params, refs):
            torch.testing.assert_close(p.detach(), r, rtol=1e-12, atol=1e-13)


def test_step_is_the_inverse_smoothness_on_a_quadratic():
    # f = L/2 |x|^2: |g_k - g_{k-1}| = L |x_k - x_{k-1}|, so Algorithm 1 gives lambda_1 = 1 / (2L) exactly
    # (theta_0 = inf) and lambda_k <= 1 / (2L) afterwards: the local Lipschitz estimate is exact
    L = 4.0
    x = torch.nn.Parameter(torch.randn(10, dtype=torch.float64))
    opt = ASGD([x], lr=1e-3, amplifier=1.0, dampening=2.0, eps=0.0, theta=math.inf)
    lams = []
    for _ in range(6):
        x.grad = L * x.detach()
        opt.step()
        lams.append(opt.param_groups[0]['adaptive_lr'].item())
    assert lams[0] == 1e-3
    assert lams[1] == pytest.approx(1 / (2 * L), rel=1e-12)
    assert all(lam <= 1 / (2 * L) * (1 + 1e-12) for lam in lams[1:])


def test_non_finite_gradient_skips_the_whole_step():
    params = [torch.nn.Parameter(torch.randn(3, dtype=torch.float64)) for _ in range(2)]
    opt = ASGD(params, lr=0.1)
    for k in range(3):
        for p in params:
            p.grad = grad_fn(p.detach(), k)
        opt.step()
    before = [p.detach().clone() for p in params]
    state = {k: v.clone() for k, v in opt.state[params[1]].items()}
    lam = opt.param_groups[0]['adaptive_lr'].clone()
    params[0].grad = torch.tensor([math.nan, 0.0, 0.0], dtype=torch.float64)
    params[1].grad = torch.ones(3, dtype=torch.float64)
    opt.step()
    for p, b in zip(params, before):
        assert torch.equal(p.detach(), b)
    assert torch.equal(opt.param_groups[0]['adaptive_lr'], lam)
    for k, v in state.items():
        assert torch.equal(opt.state[params[1]][k], v)
