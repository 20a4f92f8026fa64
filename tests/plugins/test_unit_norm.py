import pytest
import torch

from pytorch_optimizer.plugins.unit_norm import attach_unit_norm
from tests.plugins.plugin_utils import OPTIMIZERS, check_against_direct


def direct(params, grads):
    out = []
    for g in grads:
        if g.dim() <= 1:
            out.append(g / g.norm())
        else:
            out.append(torch.stack([row / row.norm() for row in g]))
    return out


@pytest.mark.parametrize('cls', OPTIMIZERS)
def test_attached(cls):
    check_against_direct(attach_unit_norm, direct, cls)
