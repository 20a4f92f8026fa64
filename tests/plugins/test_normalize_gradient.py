import pytest
import torch

from pytorch_optimizer.plugins.normalize_gradient import attach_normalize_gradient, normalize_gradient
from tests.plugins.plugin_utils import OPTIMIZERS, D, check_against_direct


def direct(use_channels):
    def fn(params, grads):
        out = []
        for g in grads:
            if use_channels and g.dim() > 1:
                flat = g.reshape(g.shape[0], -1)
                std = flat.std(dim=1).reshape([-1] + [1] * (g.dim() - 1))
                out.append(g / (std + 1e-8))
            else:
                out.append(g / (g.std() + 1e-8) if g.numel() > 2 else g)
        return out

    return fn


@pytest.mark.parametrize('cls', OPTIMIZERS)
@pytest.mark.parametrize('use_channels', [False, True])
def test_attached(cls, use_channels):
    check_against_direct(lambda o: attach_normalize_gradient(o, use_channels=use_channels), direct(use_channels), cls)


def test_unit_std():
    g = torch.randn(100, dtype=D) * 7
    torch.testing.assert_close(normalize_gradient(g).std(), torch.tensor(1.0, dtype=D), rtol=1e-7, atol=0)
