import pytest
import torch

from pytorch_optimizer.plugins.stable_weight_decay import attach_stable_weight_decay
from tests.plugins.plugin_utils import OPTIMIZERS, D, make_params


@pytest.mark.parametrize('cls', OPTIMIZERS)
def test_attached_against_direct_computation(cls):
    p1, p2 = make_params(), make_params()
    o1, o2 = cls(p1, lr=0.01, weight_decay=0.0), cls(p2, lr=0.01, weight_decay=0.0)
    attach_stable_weight_decay(o1, weight_decay=0.1)
    gen = torch.Generator().manual_seed(1)
    for t in range(1, 4):
        grads = [torch.randn(p.shape, generator=gen, dtype=D) for p in p1]
        for a, b, g in zip(p1, p2, grads):
            a.grad, b.grad = g.clone(), g.clone()
        o1.step()
        o2.step()
        v = torch.cat([o2.state[p]['exp_avg_sq'].reshape(-1) for p in p2]) / (1 - 0.999**t)
        with torch.no_grad():
            for p in p2:
                p.mul_(1 - 0.01 * 0.1 / (v.mean().sqrt() + 1e-8))
        for a, b in zip(p1, p2):
            torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-14)


def test_needs_second_moment():
    p = make_params()
    opt = torch.optim.SGD(p, lr=0.1)
    attach_stable_weight_decay(opt, 0.1)
    for q in p:
        q.grad = torch.ones_like(q)
    with pytest.raises(ValueError, match='exp_avg_sq'):
        opt.step()
