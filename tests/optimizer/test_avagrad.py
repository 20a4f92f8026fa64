import pytest
import torch

from pytorch_optimizer.optimizer.avagrad import AvaGrad
from tests.optimizer.trajectory import compare
from tests.reference.avagrad import AvaGrad as Reference


@pytest.mark.parametrize('kwargs', [{}, {'weight_decay': 0.1}, {'weight_decay': 0.1, 'weight_decouple': False}])
@pytest.mark.parametrize('foreach', [False, True])
def test_matches_reference(kwargs, foreach):
    compare(lambda p: AvaGrad(p, lr=0.05, foreach=foreach, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_normalized_rates_give_momentum_sgd_when_second_moments_are_uniform():
    # eta_t / (|eta_t| / sqrt(d)) = 1 when all coordinates share v: the step is lr * m_t / (1 - beta1^t); none at t = 1
    p = torch.nn.Parameter(torch.zeros(4, dtype=torch.float64))
    opt = AvaGrad([p], lr=0.1, eps=0.3)
    grads = [
        torch.tensor([3.0, -3.0, 3.0, -3.0], dtype=torch.float64),
        torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=torch.float64),
    ]
    p.grad = grads[0]
    opt.step()
    torch.testing.assert_close(p.detach(), torch.zeros(4, dtype=torch.float64), rtol=0, atol=0)
    p.grad = grads[1]
    opt.step()
    m = 0.9 * 0.1 * grads[0] + 0.1 * grads[1]
    torch.testing.assert_close(p.detach(), -0.1 * m / (1 - 0.81), rtol=1e-13, atol=1e-13)
