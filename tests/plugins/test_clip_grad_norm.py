import pytest
import torch
from torch import nn

from pytorch_optimizer.plugins.clip_grad_norm import attach_clip_grad_norm, clip_grad_norm
from tests.plugins.plugin_utils import OPTIMIZERS, D, check_against_direct


def direct(params, grads):
    total = torch.sqrt(sum((g * g).sum() for g in grads))
    coef = min(1.0, 0.5 / (float(total) + 1e-6))
    return [g * coef for g in grads]


@pytest.mark.parametrize('cls', OPTIMIZERS)
def test_attached(cls):
    check_against_direct(lambda o: attach_clip_grad_norm(o, max_norm=0.5), direct, cls)


def test_returns_norm_and_skips_non_finite():
    p, q = nn.Parameter(torch.zeros(2, dtype=D)), nn.Parameter(torch.zeros(1, dtype=D))
    p.grad, q.grad = torch.tensor([3.0, 0.0], dtype=D), torch.tensor([4.0], dtype=D)
    assert float(clip_grad_norm([p, q], 0.0)) == 5.0 and float(p.grad[0]) == 3.0
    clip_grad_norm([p, q], 1.0)
    torch.testing.assert_close(torch.cat([p.grad, q.grad]).norm(), torch.tensor(1.0, dtype=D), rtol=1e-5, atol=0)
    p.grad, q.grad = torch.tensor([float('nan'), 1.0], dtype=D), torch.tensor([4.0], dtype=D)
    assert not torch.isfinite(clip_grad_norm([p, q], 1.0))
    assert float(q.grad) == 4.0
    with pytest.raises(ValueError, match='max_norm'):
        clip_grad_norm([p], -1.0)
