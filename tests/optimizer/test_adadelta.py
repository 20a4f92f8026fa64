import pytest
import torch

from pytorch_optimizer import AdaDelta
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.adadelta import adadelta_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': True},
    {'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True},
    {'rho': 0.5, 'eps': 1e-3},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    compare(AdaDelta, adadelta_step, SHAPES, opt_kwargs=flags, ref_kwargs=flags)


@pytest.mark.parametrize('flags', [{}, {'weight_decay': 0.1, 'rho': 0.7, 'lr': 0.5}, {'maximize': True}])
@pytest.mark.parametrize('foreach', [False, True])
def test_matches_torch_adadelta(flags, foreach):
    gen = torch.Generator().manual_seed(0)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    ours = [torch.nn.Parameter(x.clone()) for x in inits]
    theirs = [torch.nn.Parameter(x.clone()) for x in inits]
    opt_a, opt_b = AdaDelta(ours, foreach=foreach, **flags), torch.optim.Adadelta(theirs, foreach=foreach, **flags)
    for k in range(15):
        for p, q in zip(ours, theirs):
            p.grad, q.grad = grad_fn(p.detach(), k), grad_fn(q.detach(), k)
        opt_a.step()
        opt_b.step()
        for p, q in zip(ours, theirs):
            torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-14, atol=1e-15)


def test_units_are_consistent():
    # the paper's point: the step has the units of the parameter, so scaling the loss by c leaves it unchanged
    # once the accumulators dominate eps
    steps = []
    for c in (1.0, 1000.0):
        p = torch.nn.Parameter(torch.ones(4, dtype=torch.float64))
        opt = AdaDelta([p], eps=1e-30)
        for k in range(5):
            p.grad = c * grad_fn(p.detach(), k)
            opt.step()
        steps.append(p.detach().clone())
    torch.testing.assert_close(steps[0], steps[1], rtol=1e-9, atol=0)
