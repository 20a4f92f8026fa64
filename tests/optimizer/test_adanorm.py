import pytest
import torch

from pytorch_optimizer.optimizer.adanorm import AdaNorm
from tests.optimizer.trajectory import compare
from tests.reference.adanorm import AdaNorm as Reference

FLAGS = [{}, {'ams_bound': True}, {'r': 0.5, 'weight_decay': 0.1, 'weight_decouple': False}, {'weight_decay': 0.1}]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(lambda p: AdaNorm(p, lr=0.05, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_first_step_equals_adam():
    # e_1 = (1 - r)|g_1| < |g_1|: no correction at step 1, so the step is Adam's
    p, q = (torch.nn.Parameter(torch.ones(4, dtype=torch.float64)) for _ in range(2))
    g = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    p.grad, q.grad = g.clone(), g.clone()
    AdaNorm([p], lr=0.1).step()
    torch.optim.Adam([q], lr=0.1, betas=(0.9, 0.99)).step()
    torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-14, atol=1e-14)
