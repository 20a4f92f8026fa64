import pytest
import torch

from pytorch_optimizer import A2Grad
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.a2grad import a2grad_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {'variant': 'uni'},
    {'variant': 'inc'},
    {'variant': 'exp'},
    {'variant': 'exp', 'rho': 0.9, 'beta': 1.0, 'lips': 2.0},
    {'variant': 'uni', 'beta': 0.0},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(map(str, f.values())))
def test_matches_reference(flags):
    compare(A2Grad, a2grad_step, SHAPES, steps=15, opt_kwargs=flags, ref_kwargs=flags)


@pytest.mark.parametrize('variant', ['uni', 'exp'])
def test_adaptive_scale_never_decreases(variant):
    # uni accumulates and exp keeps a running maximum: h_k (so v_k) is non-decreasing, the AMSGrad-like guarantee
    p = torch.nn.Parameter(torch.randn(8, dtype=torch.float64))
    opt = A2Grad([p], variant=variant)
    previous = 0.0
    for k in range(20):
        p.grad = grad_fn(p.detach(), k) + torch.randn(8, dtype=torch.float64)
        opt.step()
        v = opt.state[p]['v_k'].item()
        assert v >= previous
        previous = v
