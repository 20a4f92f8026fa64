import pytest
import torch

from pytorch_optimizer import Lion
from tests.optimizer.pilot_utils import compare
from tests.reference.lion import lion_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1, 'fixed_decay': True},
    {'use_gc': True},
    {'adanorm': True, 'r': 0.9},
    {'cautious': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, 'betas': (0.9, 0.99), **flags}
    compare(Lion, lion_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_every_coordinate_moves_by_exactly_lr():
    p = torch.nn.Parameter(torch.randn(50, dtype=torch.float64))
    opt = Lion([p], lr=0.01)
    for _ in range(5):
        before = p.detach().clone()
        p.grad = torch.randn(50, dtype=torch.float64) + 0.1
        opt.step()
        torch.testing.assert_close((p.detach() - before).abs(), torch.full_like(before, 0.01), rtol=0, atol=1e-15)
