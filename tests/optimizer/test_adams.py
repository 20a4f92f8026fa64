import pytest
import torch

from pytorch_optimizer.optimizer.adams import AdamS
from tests.optimizer.trajectory import compare
from tests.reference.adams import AdamS as Reference


@pytest.mark.parametrize('kwargs', [{}, {'weight_decay': 0.1}, {'weight_decay': 0.1, 'ams_bound': True}])
@pytest.mark.parametrize('foreach', [False, True])
def test_matches_reference(kwargs, foreach):
    compare(lambda p: AdamS(p, lr=0.05, foreach=foreach, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_decay_is_scaled_by_the_mean_second_moment():
    # a zero-gradient step (m = 0) moves theta only by the stable decay lr * wd / (sqrt(mean v_hat) + eps)
    p = torch.nn.Parameter(torch.ones(4, dtype=torch.float64))
    opt = AdamS([p], lr=0.1, weight_decay=0.5, betas=(0.0, 0.5), eps=1e-30)
    p.grad = torch.tensor([2.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    opt.step()
    after_first = p.detach().clone()
    p.grad = torch.zeros(4, dtype=torch.float64)
    opt.step()
    v_hat = torch.tensor([4.0, 0, 0, 0], dtype=torch.float64) * 0.5 * 0.5 / (1 - 0.25)
    torch.testing.assert_close(p.detach(), after_first * (1 - 0.1 * 0.5 / v_hat.mean().sqrt()))
