import pytest
import torch

from pytorch_optimizer import MADGRAD
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.madgrad import madgrad_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'momentum': 0.0},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': True},
    {'momentum': 0.0, 'weight_decay': 0.1, 'weight_decouple': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(MADGRAD, madgrad_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_without_momentum_the_iterate_is_the_dual_average():
    # momentum 0: theta_t = theta_0 - s_t / (nu_t^(1/3) + eps) exactly (no iterate averaging)
    p = torch.nn.Parameter(torch.randn(5, dtype=torch.float64))
    start = p.detach().clone()
    opt = MADGRAD([p], lr=0.1, momentum=0.0)
    for k in range(8):
        p.grad = grad_fn(p.detach(), k)
        opt.step()
    state = opt.state[p]
    expected = start - state['s'] / (state['grad_sum_sq'].pow(1 / 3) + 1e-6)
    torch.testing.assert_close(p.detach(), expected, rtol=1e-12, atol=1e-14)
