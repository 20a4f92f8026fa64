import pytest
import torch

from pytorch_optimizer import SRMM
from tests.optimizer.pilot_utils import compare
from tests.reference.srmm import srmm_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [{}, {'beta': 0.8}, {'memory_length': 4}, {'memory_length': None}, {'beta': 0.0, 'memory_length': 1}]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(map(str, f.items())) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(SRMM, srmm_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_averages_restart_every_memory_length_steps():
    # w = 1 at steps 1, L + 1, 2L + 1, ...: those steps are plain SGD from the current point
    p = torch.nn.Parameter(torch.randn(5, dtype=torch.float64))
    opt = SRMM([p], lr=0.1, memory_length=3)
    for step in range(1, 8):
        g = torch.randn(5, dtype=torch.float64)
        before = p.detach().clone()
        p.grad = g
        opt.step()
        if step in (1, 4, 7):
            torch.testing.assert_close(p.detach(), before - 0.1 * g, rtol=0, atol=1e-15)
        else:
            assert not torch.allclose(p.detach(), before - 0.1 * g)
