import math

import pytest
import torch

from pytorch_optimizer import PNM
from tests.optimizer.pilot_utils import compare
from tests.reference.pnm import pnm_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'betas': (0.9, 0.5)},
    {'betas': (0.5, 0.0)},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.01, 'fixed_decay': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(PNM, pnm_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


@pytest.mark.parametrize('beta0', [0.0, 0.5, 1.0])
def test_normalized_step_on_a_constant_gradient(beta0):
    # both buffers converge to g, so the step tends to lr * g / sqrt((1 + b0)^2 + b0^2)
    p = torch.nn.Parameter(torch.zeros(4, dtype=torch.float64))
    g = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    opt = PNM([p], lr=0.1, betas=(0.5, beta0))
    for _ in range(200):
        before = p.detach().clone()
        p.grad = g.clone()
        opt.step()
    expected = -0.1 * g / math.sqrt((1 + beta0) ** 2 + beta0**2)
    torch.testing.assert_close(p.detach() - before, expected, rtol=1e-12, atol=1e-14)
