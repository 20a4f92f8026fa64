import pytest
import torch

from pytorch_optimizer.plugins.orthograd import attach_orthograd, orthogonalize_gradients_
from tests.plugins.plugin_utils import OPTIMIZERS, D, check_against_direct


def direct(params, grads):
    out = []
    for w, g in zip(params, grads):
        w, g0 = w.reshape(-1), g.reshape(-1)
        perp = g0 - (w @ g0) / (w @ w + 1e-30) * w
        out.append((perp * g0.norm() / (perp.norm() + 1e-30)).view_as(g))
    return out


@pytest.mark.parametrize('cls', OPTIMIZERS)
def test_attached(cls):
    check_against_direct(attach_orthograd, direct, cls)


def test_orthogonal_and_norm_preserving():
    w, g = torch.randn(3, 4, dtype=D), torch.randn(3, 4, dtype=D)
    g0 = g.clone()
    orthogonalize_gradients_([w], [g])
    assert abs(float((w * g).sum())) < 1e-12
    torch.testing.assert_close(g.norm(), g0.norm())
