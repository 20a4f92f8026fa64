import pytest
import torch

from pytorch_optimizer.optimizer.adamax import AdaMax
from tests.optimizer.trajectory import TorchReference, compare
from tests.reference.adamax import AdaMax as Reference


@pytest.mark.parametrize('kwargs', [{}, {'weight_decay': 0.1}, {'weight_decay': 0.1, 'weight_decouple': True}])
def test_matches_reference(kwargs):
    compare(lambda p: AdaMax(p, lr=0.05, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


@pytest.mark.parametrize('kwargs', [{}, {'weight_decay': 0.1}, {'maximize': True}])
def test_matches_torch_adamax(kwargs):
    compare(
        lambda p: AdaMax(p, lr=0.05, **kwargs),
        lambda p: TorchReference(torch.optim.Adamax, p, lr=0.05, **kwargs),
        tol=1e-13,
    )


def test_first_step_moves_every_coordinate_by_lr():
    # paper: |step| <= lr; at t = 1, m/(1-b1) = g and u = |g| + eps, so each coordinate moves by ~lr
    p = torch.nn.Parameter(torch.zeros(5, dtype=torch.float64))
    p.grad = torch.tensor([1.0, -2.0, 3.0, -4.0, 5.0], dtype=torch.float64)
    AdaMax([p], lr=0.1, eps=0.0).step()
    torch.testing.assert_close(p.detach(), -0.1 * p.grad.sign())
