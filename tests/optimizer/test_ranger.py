import pytest
import torch

from pytorch_optimizer import Ranger
from pytorch_optimizer.wrappers.lookahead import Lookahead
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.ranger import ranger_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'degenerated_to_sgd': True},
    {'use_gc': False, 'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False, 'gc_conv_only': True},
    {'weight_decay': 0.1, 'fixed_decay': True, 'adam_debias': True, 'k': 3},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(Ranger, ranger_step, SHAPES, steps=20, opt_kwargs=kwargs, ref_kwargs=kwargs)


@pytest.mark.parametrize('weight_decay', [0.0, 0.1])
def test_matches_lookahead_of_torch_radam(weight_decay):
    gen = torch.Generator().manual_seed(0)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    ours = [torch.nn.Parameter(x.clone()) for x in inits]
    theirs = [torch.nn.Parameter(x.clone()) for x in inits]
    opt_a = Ranger(
        ours, lr=1e-2, k=4, alpha=0.6, use_gc=False, degenerated_to_sgd=True, weight_decay=weight_decay, eps=1e-8
    )
    inner = torch.optim.RAdam(
        theirs, lr=1e-2, betas=(0.95, 0.999), weight_decay=weight_decay, decoupled_weight_decay=True
    )
    opt_b = Lookahead(inner, k=4, alpha=0.6)
    for k in range(20):
        for p, q in zip(ours, theirs):
            p.grad, q.grad = grad_fn(p.detach(), k), grad_fn(q.detach(), k)
        opt_a.step()
        opt_b.step()
        for p, q in zip(ours, theirs):
            torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-12, atol=1e-13)
