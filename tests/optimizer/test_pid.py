import pytest
import torch

from pytorch_optimizer import PID
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.pid import pid_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'momentum': 0.9},
    {'momentum': 0.9, 'dampening': 0.3},
    {'momentum': 0.9, 'weight_decay': 0.1},
    {'momentum': 0.9, 'weight_decay': 0.1, 'weight_decouple': True},
    {'momentum': 0.9, 'weight_decay': 0.01, 'weight_decouple': True, 'fixed_decay': True},
    {'weight_decay': 0.1},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-3, 'derivative': 2.0, 'integral': 1.5, **flags}
    compare(PID, pid_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_constant_gradient_has_no_derivative_term():
    # D tracks the change of the gradient: a linear loss (constant gradient) never feeds it
    p = torch.nn.Parameter(torch.zeros(6, dtype=torch.float64))
    g = torch.linspace(-1.0, 1.0, 6, dtype=torch.float64)
    opt = PID([p], lr=0.1, momentum=0.9, integral=0.0, derivative=100.0)
    for k in range(1, 11):
        p.grad = g.clone()
        opt.step()
        torch.testing.assert_close(p.detach(), -0.1 * k * g, rtol=1e-14, atol=1e-15)
        assert torch.equal(opt.state[p]['d_buffer'], torch.zeros_like(g))


def test_without_momentum_is_torch_sgd():
    gen = torch.Generator().manual_seed(1)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    ours = [torch.nn.Parameter(x.clone()) for x in inits]
    theirs = [torch.nn.Parameter(x.clone()) for x in inits]
    opt_a = PID(ours, lr=0.05, weight_decay=0.01)
    opt_b = torch.optim.SGD(theirs, lr=0.05, weight_decay=0.01, foreach=False)
    for k in range(10):
        for a, b in zip(ours, theirs):
            a.grad, b.grad = grad_fn(a.detach(), k), grad_fn(b.detach(), k)
        opt_a.step()
        opt_b.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=0, atol=0)
    assert not any(opt_a.state[p] for p in ours)
