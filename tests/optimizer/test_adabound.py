import pytest
import torch

from pytorch_optimizer import load_optimizer
from pytorch_optimizer.optimizer.adabound import AdaBound
from tests.optimizer.trajectory import compare
from tests.reference.adabound import AdaBound as Reference

FLAGS = [{}, {'ams_bound': True}, {'weight_decay': 0.1, 'weight_decouple': False}, {'weight_decay': 0.1, 'gamma': 0.1}]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(
        lambda p: AdaBound(p, lr=0.05, final_lr=0.02, **kwargs),
        lambda p: Reference(p, lr=0.05, final_lr=0.02, **kwargs),
    )


def test_amsbound_variant():
    compare(lambda p: load_optimizer('amsbound')(p, lr=0.05), lambda p: Reference(p, lr=0.05, ams_bound=True))


def test_late_steps_are_sgd_with_final_lr():
    # as t grows both bounds converge to final_lr: the step is final_lr * m_t
    p = torch.nn.Parameter(torch.ones(4, dtype=torch.float64))
    opt = AdaBound([p], lr=1.0, final_lr=0.01, gamma=1e6)
    p.grad = torch.full((4,), 1e-3, dtype=torch.float64)
    opt.step()
    m = 0.1 * p.grad
    torch.testing.assert_close(p.detach(), 1 - 0.01 * m, rtol=1e-6, atol=0)
