import pytest
import torch

from pytorch_optimizer.plugins.norm_loss import attach_norm_loss
from tests.plugins.plugin_utils import OPTIMIZERS, D, make_params


@pytest.mark.parametrize('cls', OPTIMIZERS)
def test_attached_against_direct_computation(cls):
    p1, p2 = make_params(), make_params()
    o1, o2 = cls(p1, lr=0.01), cls(p2, lr=0.01)
    attach_norm_loss(o1, factor=0.5)
    gen = torch.Generator().manual_seed(1)
    for _ in range(3):
        grads = [torch.randn(p.shape, generator=gen, dtype=D) for p in p1]
        for a, b, g in zip(p1, p2, grads):
            a.grad, b.grad = g.clone(), g.clone()
        with torch.no_grad():
            for p in p2:
                if p.dim() <= 1:
                    p.mul_(1 - 0.01 * 2 * 0.5 * (1 - 1 / (p.norm() + 1e-8)))
                else:
                    for row in p:
                        row.mul_(1 - 0.01 * 2 * 0.5 * (1 - 1 / (row.norm() + 1e-8)))
        o1.step()
        o2.step()
        for a, b in zip(p1, p2):
            torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-14)
