import pytest
import torch

from pytorch_optimizer.optimizer.yogi import Yogi
from tests.optimizer.trajectory import compare
from tests.reference.yogi import Yogi as Reference


@pytest.mark.parametrize('kwargs', [{}, {'weight_decay': 0.1}, {'initial_accumulator': 0.5, 'betas': (0.5, 0.9)}])
def test_matches_reference(kwargs):
    compare(lambda p: Yogi(p, lr=0.05, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_second_moment_changes_by_at_most_one_minus_beta2_g2():
    # |v_t - v_{t-1}| = (1 - beta2) g_t^2 exactly (unless v_{t-1} = g_t^2)
    p = torch.nn.Parameter(torch.zeros(4, dtype=torch.float64))
    opt = Yogi([p], lr=0.0, betas=(0.9, 0.9), initial_accumulator=1.0)
    g = torch.tensor([0.1, 0.5, 2.0, 3.0], dtype=torch.float64)
    p.grad = g
    opt.step()
    v = opt.state[p]['exp_avg_sq']
    torch.testing.assert_close(v, 1.0 - 0.1 * torch.sign(1.0 - g * g) * g * g)
