import pytest
import torch

from pytorch_optimizer import Adan
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.adan import adan_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [{}, {'weight_decay': 0.1}, {'weight_decay': 0.1, 'weight_decouple': True}, {'betas': (0.9, 0.8, 0.95)}]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(Adan, adan_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_global_clipping_matches_reference(shape):
    kwargs = {'lr': 1e-2, 'max_grad_norm': 0.5, 'weight_decay': 0.1}
    compare(Adan, adan_step, [shape], opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_global_clipping_uses_the_norm_over_all_parameters_and_skips_non_finite():
    a, b = torch.nn.Parameter(torch.ones(3, dtype=torch.float64)), torch.nn.Parameter(
        torch.ones(4, dtype=torch.float64)
    )
    opt = Adan([a, b], lr=0.1, max_grad_norm=1.0)
    a.grad, b.grad = torch.full((3,), 3.0, dtype=torch.float64), torch.full((4,), 4.0, dtype=torch.float64)
    opt.step()
    # first step: update = g / |g| elementwise (sign), whatever the clipping scale: check the stored gradient
    norm = (9 * 3 + 16 * 4) ** 0.5
    torch.testing.assert_close(
        opt.state[b]['previous_grad'], torch.full((4,), 4.0 / (norm + 1e-8), dtype=torch.float64)
    )
    before = [a.detach().clone(), b.detach().clone(), opt.state[b]['exp_avg'].clone()]
    a.grad = torch.tensor([float('nan'), 1.0, 1.0], dtype=torch.float64)
    b.grad = grad_fn(b.detach(), 1)
    opt.step()
    for x, y in zip([a.detach(), b.detach(), opt.state[b]['exp_avg']], before):
        assert torch.equal(x, y)
