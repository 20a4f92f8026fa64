import pytest
import torch

from pytorch_optimizer.optimizer.adamod import AdaMod
from tests.optimizer.trajectory import compare
from tests.reference.adamod import AdaMod as Reference

FLAGS = [{}, {'betas': (0.9, 0.999, 0.5)}, {'weight_decay': 0.1, 'weight_decouple': False}, {'weight_decay': 0.1}]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(lambda p: AdaMod(p, lr=0.05, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_step_never_exceeds_adam_step():
    # min(eta_t, s_t) <= eta_t: each coordinate moves at most as far as Adam would (same m, v)
    torch.manual_seed(0)
    p, q = torch.nn.Parameter(torch.randn(20, dtype=torch.float64)), None
    q = torch.nn.Parameter(p.detach().clone())
    ours, adam = AdaMod([p], lr=0.1, betas=(0.9, 0.999, 0.9)), torch.optim.Adam([q], lr=0.1, betas=(0.9, 0.999))
    for _ in range(3):
        g = torch.randn(20, dtype=torch.float64)
        before_p, before_q = p.detach().clone(), q.detach().clone()
        p.grad, q.grad = g.clone(), g.clone()
        ours.step(), adam.step()
        assert ((p.detach() - before_p).abs() <= (q.detach() - before_q).abs() + 1e-12).all()
        q.data.copy_(p.detach())
