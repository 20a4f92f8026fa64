import pytest
import torch

from pytorch_optimizer import load_optimizer
from pytorch_optimizer.optimizer.diffgrad import DiffGrad
from tests.optimizer.trajectory import compare
from tests.reference.diffgrad import DiffGrad as Reference

FLAGS = [
    {},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'rectify': True},
    {'rectify': True, 'degenerated_to_sgd': False, 'weight_decay': 0.1},
]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(lambda p: DiffGrad(p, lr=0.05, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs), steps=15)


def test_diffrgrad_variant():
    compare(lambda p: load_optimizer('diffrgrad')(p, lr=0.05), lambda p: Reference(p, lr=0.05, rectify=True), steps=15)


def test_constant_gradient_halves_the_adam_step():
    # g_t = g_{t-1} gives friction sigmoid(0) = 1/2 from step 2 on
    p, q = (torch.nn.Parameter(torch.ones(3, dtype=torch.float64)) for _ in range(2))
    ours, adam = DiffGrad([p], lr=0.1, eps=0.0), torch.optim.Adam([q], lr=0.1, eps=0.0)
    g = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    for k in range(3):
        before_p, before_q = p.detach().clone(), q.detach().clone()
        p.grad, q.grad = g.clone(), g.clone()
        ours.step(), adam.step()
        if k > 0:
            torch.testing.assert_close(p.detach() - before_p, 0.5 * (q.detach() - before_q))
        q.data.copy_(p.detach())
