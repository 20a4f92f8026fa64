import pytest
import torch

from pytorch_optimizer import Adai
from tests.optimizer.pilot_utils import compare
from tests.reference.adai import adai_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': True},
    {'weight_decay': 0.1, 'stable_weight_decay': True, 'fixed_decay': True},
    {'dampening': 0.5},
    {'betas': (0.5, 0.9), 'eps': 0.1},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_matches_reference(flags, shape):
    # the mean of v_hat is over the group: one tensor per optimizer keeps the reference single-tensor
    kwargs = {'lr': 1e-2, **flags}
    compare(Adai, adai_step, [shape], opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_inertia_uses_the_mean_over_the_whole_group():
    a, b = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)), torch.nn.Parameter(
        torch.zeros(2, dtype=torch.float64)
    )
    opt = Adai([a, b], lr=1.0, betas=(0.1, 0.99), eps=0.0)
    a.grad, b.grad = torch.ones(2, dtype=torch.float64), torch.full((2,), 3.0, dtype=torch.float64)
    opt.step()
    # v_hat = g^2 = (1, 1, 9, 9), mean 5: beta1 = 1 - 0.1 * v_hat / 5
    torch.testing.assert_close(opt.state[a]['beta1_prod'], torch.full((2,), 0.98, dtype=torch.float64))
    torch.testing.assert_close(opt.state[b]['beta1_prod'], torch.full((2,), 0.82, dtype=torch.float64))
