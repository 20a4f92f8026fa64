import pytest
import torch

from pytorch_optimizer.optimizer.adapnm import AdaPNM
from tests.optimizer.trajectory import compare
from tests.reference.adapnm import AdaPNM as Reference

FLAGS = [
    {},
    {'ams_bound': False},
    {'betas': (0.9, 0.999, 0.5), 'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1},
]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(lambda p: AdaPNM(p, lr=0.05, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_beta0_zero_is_amsgrad_with_squared_beta1_every_other_step():
    # with beta0 = 0 the update uses only the momentum of the current parity (PNM's noise norm is 1)
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = AdaPNM([p], lr=0.1, betas=(0.9, 0.999, 0.0))
    p.grad = torch.ones(3, dtype=torch.float64)
    opt.step()
    # step 1: m = (1 - 0.81) g, m_hat = m / (1 - 0.9), v_hat = g^2
    torch.testing.assert_close(p.detach(), 1 - 0.1 * 0.19 / 0.1 / (1 + 1e-8) * torch.ones(3, dtype=torch.float64))
