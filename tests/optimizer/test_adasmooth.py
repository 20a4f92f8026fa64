import pytest
import torch

from pytorch_optimizer import AdaSmooth
from tests.optimizer.pilot_utils import compare
from tests.reference.adasmooth import adasmooth_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': True},
    {'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True},
    {'betas': (0.3, 0.9)},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    # |s| / n cancels: running sums vs the reference's re-summed moves differ in the last bits
    compare(AdaSmooth, adasmooth_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs, rtol=1e-10, atol=1e-12)


def test_directed_moves_use_the_fast_decay():
    # a constant gradient moves every coordinate the same way: e_t = 1, so c_t = rho_1 (fast) from step 2 on
    p = torch.nn.Parameter(torch.zeros(4, dtype=torch.float64))
    opt = AdaSmooth([p], lr=0.1, betas=(0.5, 0.99), eps=0.0)
    for _ in range(3):
        p.grad = torch.ones(4, dtype=torch.float64)
        opt.step()
    # v_1 = 0.01^2, v_2 = 0.25 + 0.75 * v_1, v_3 = 0.25 + 0.75 * v_2
    v = 0.01**2
    for _ in range(2):
        v = 0.25 + 0.75 * v
    torch.testing.assert_close(opt.state[p]['exp_avg_sq'], torch.full((4,), v, dtype=torch.float64))
