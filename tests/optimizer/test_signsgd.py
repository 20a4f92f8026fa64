import pytest
import torch

from pytorch_optimizer import SignSGD
from tests.optimizer.pilot_utils import compare
from tests.reference.signsgd import signsgd_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'momentum': 0.0},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'momentum': 0.0, 'weight_decay': 0.1, 'weight_decouple': False},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(SignSGD, signsgd_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs, rtol=0, atol=1e-15)


@pytest.mark.parametrize('momentum', [0.0, 0.9])
def test_every_coordinate_moves_by_exactly_lr(momentum):
    gen = torch.Generator().manual_seed(0)
    p = torch.nn.Parameter(torch.randn(50, generator=gen, dtype=torch.float64))
    opt = SignSGD([p], lr=0.01, momentum=momentum)
    for _ in range(5):
        before = p.detach().clone()
        p.grad = torch.randn(50, generator=gen, dtype=torch.float64) + 0.1
        opt.step()
        torch.testing.assert_close((p.detach() - before).abs(), torch.full_like(before, 0.01), rtol=0, atol=1e-15)
