import pytest
import torch

from pytorch_optimizer import Amos
from tests.optimizer.pilot_utils import compare
from tests.reference.amos import amos_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [{}, {'momentum': 0.9}, {'extra_l2': 0.01}, {'c_coef': 0.5, 'd_coef': 0.1, 'beta': 0.9}]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-1, **flags}
    compare(Amos, amos_step, SHAPES, steps=15, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_decay_grows_and_state_is_two_scalars_per_tensor():
    # b_t = b_{t-1} + gamma_t (1 + b_{t-1}) is non-decreasing; v and b are per-tensor scalars
    p = torch.nn.Parameter(torch.randn(6, 5, dtype=torch.float64))
    opt = Amos([p], lr=0.1)
    previous = 0.0
    for _ in range(10):
        p.grad = torch.randn(6, 5, dtype=torch.float64)
        opt.step()
        b = opt.state[p]['decay']
        assert b.dim() == 0 and opt.state[p]['exp_avg_sq'].dim() == 0
        assert b.item() > previous
        previous = b.item()
