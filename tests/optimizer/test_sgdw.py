import pytest
import torch

from pytorch_optimizer import SGDW
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.sgdw import sgdw_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'momentum': 0.9},
    {'momentum': 0.9, 'nesterov': True},
    {'momentum': 0.9, 'dampening': 0.3},
    {'momentum': 0.9, 'weight_decay': 0.1},
    {'momentum': 0.9, 'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(SGDW, sgdw_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


@pytest.mark.parametrize(
    'flags',
    [
        {},
        {'momentum': 0.9},
        {'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.1},
        {'momentum': 0.8, 'dampening': 0.3, 'weight_decay': 0.05, 'maximize': True},
    ],
    ids=str,
)
@pytest.mark.parametrize('foreach', [False, True])
def test_coupled_decay_is_torch_sgd(flags, foreach):
    gen = torch.Generator().manual_seed(1)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    ours = [torch.nn.Parameter(x.clone()) for x in inits]
    theirs = [torch.nn.Parameter(x.clone()) for x in inits]
    opt_a = SGDW(ours, lr=1e-2, weight_decouple=False, foreach=foreach, **flags)
    opt_b = torch.optim.SGD(theirs, lr=1e-2, foreach=foreach, **flags)
    for k in range(20):
        for a, b in zip(ours, theirs):
            a.grad, b.grad = grad_fn(a.detach(), k), grad_fn(b.detach(), k)
        opt_a.step()
        opt_b.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-15, atol=1e-15)


def test_decoupled_decay_shrinks_geometrically():
    p = torch.nn.Parameter(torch.randn(10, dtype=torch.float64))
    start = p.detach().clone()
    opt = SGDW([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    for _ in range(7):
        p.grad = torch.zeros_like(p)
        opt.step()
    torch.testing.assert_close(p.detach(), start * (1 - 0.05) ** 7, rtol=1e-14, atol=0)


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match='SGDW: nesterov'):
        SGDW([torch.nn.Parameter(torch.zeros(2))], nesterov=True)
