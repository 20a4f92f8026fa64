import pytest
import torch

from pytorch_optimizer import QHM
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.qhm import qhm_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'momentum': 0.9, 'nu': 0.7},
    {'momentum': 0.9, 'nu': 0.0},
    {'momentum': 0.9, 'nu': 0.7, 'weight_decay': 0.1},
    {'momentum': 0.9, 'nu': 0.7, 'weight_decay': 0.1, 'weight_decouple': True},
    {'momentum': 0.9, 'nu': 0.7, 'weight_decay': 0.01, 'weight_decouple': True, 'fixed_decay': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(QHM, qhm_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


@pytest.mark.parametrize(('nu', 'torch_kwargs'), [(0.0, {'lr': 0.1}), (1.0, {'lr': 0.1 * (1 - 0.9), 'momentum': 0.9})])
def test_recovers_sgd_and_momentum_sgd(nu, torch_kwargs):
    # the paper: nu = 0 is plain SGD, nu = 1 is momentum SGD with a normalized ((1 - beta)-damped) buffer
    gen = torch.Generator().manual_seed(1)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    ours = [torch.nn.Parameter(x.clone()) for x in inits]
    theirs = [torch.nn.Parameter(x.clone()) for x in inits]
    opt_a = QHM(ours, lr=0.1, momentum=0.9, nu=nu)
    opt_b = torch.optim.SGD(theirs, **torch_kwargs)
    for k in range(20):
        for a, b in zip(ours, theirs):
            a.grad, b.grad = grad_fn(a.detach(), k), grad_fn(b.detach(), k)
        opt_a.step()
        opt_b.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-13, atol=1e-14)
