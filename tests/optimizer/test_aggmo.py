import pytest
import torch

from pytorch_optimizer import AggMo
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.aggmo import aggmo_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'betas': (0.5,)},
    {'betas': (0.0, 0.5, 0.9, 0.99)},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': True},
    {'weight_decay': 0.01, 'weight_decouple': True, 'fixed_decay': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(AggMo, aggmo_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_single_beta_is_torch_momentum_sgd():
    gen = torch.Generator().manual_seed(1)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    ours = [torch.nn.Parameter(x.clone()) for x in inits]
    theirs = [torch.nn.Parameter(x.clone()) for x in inits]
    opt_a = AggMo(ours, lr=0.05, betas=(0.9,), weight_decay=0.01)
    opt_b = torch.optim.SGD(theirs, lr=0.05, momentum=0.9, weight_decay=0.01, foreach=False)
    for k in range(20):
        for a, b in zip(ours, theirs):
            a.grad, b.grad = grad_fn(a.detach(), k), grad_fn(b.detach(), k)
        opt_a.step()
        opt_b.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=0, atol=0)


def test_one_buffer_per_beta():
    p = torch.nn.Parameter(torch.zeros(3))
    opt = AggMo([p], betas=[0.0, 0.5, 0.9, 0.99])
    p.grad = torch.ones(3)
    opt.step()
    assert sorted(opt.state[p]) == [f'momentum_buffer_{i}' for i in range(4)]


@pytest.mark.parametrize(
    ('betas', 'error', 'pattern'),
    [
        ((), ValueError, r'AggMo: betas must have 1 entries'),
        ((0.0, 1.0), ValueError, r'AggMo: betas\[1\] must be in \[0, 1\), got 1.0'),
        ((0.5, -0.1), ValueError, r'AggMo: betas\[1\]'),
        (0.9, TypeError, 'AggMo: betas must be a tuple or list'),
        (('0.9',), TypeError, r'AggMo: betas\[0\] must be a real number'),
    ],
)
def test_bad_betas(betas, error, pattern):
    with pytest.raises(error, match=pattern):
        AggMo([torch.nn.Parameter(torch.zeros(2))], betas=betas)


@pytest.mark.parametrize(
    ('kwargs', 'error', 'pattern'),
    [
        ({'lr': -1.0}, ValueError, r'AggMo: lr.*-1'),
        ({'lr': '1e-3'}, TypeError, 'lr'),
        ({'weight_decay': -1.0}, ValueError, r'AggMo: weight_decay.*-1'),
        ({'not_an_option': 1}, TypeError, 'not_an_option'),
    ],
)
def test_bad_hyperparameters(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        AggMo([torch.nn.Parameter(torch.zeros(2))], **kwargs)
