import pytest
import torch

from pytorch_optimizer.optimizer.lamb import Lamb
from tests.optimizer.trajectory import compare
from tests.reference.lamb import Lamb as Reference

FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'pre_norm': True, 'max_grad_norm': 0.5, 'grad_averaging': False},
    {'adam': True, 'weight_decay': 0.1},
]


@pytest.mark.parametrize('kwargs', FLAGS)
@pytest.mark.parametrize('foreach', [False, True])
def test_matches_reference(kwargs, foreach):
    compare(lambda p: Lamb(p, lr=0.05, foreach=foreach, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_each_tensor_moves_by_lr_times_its_norm():
    # the trust ratio makes |delta theta| = lr * |theta| per tensor, whatever the gradient scale
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(s, dtype=torch.float64)) for s in ((3, 4), (5,))]
    before = [p.detach().clone() for p in params]
    for p, scale in zip(params, (1e-3, 1e3)):
        p.grad = scale * torch.randn(p.shape, dtype=torch.float64)
    Lamb(params, lr=0.1).step()
    for p, b in zip(params, before):
        torch.testing.assert_close((p.detach() - b).norm(), 0.1 * b.norm())


def test_non_finite_gradient_skips_the_step():
    params = [torch.nn.Parameter(torch.ones(3, dtype=torch.float64)) for _ in range(2)]
    params[0].grad = torch.tensor([1.0, float('nan'), 1.0], dtype=torch.float64)
    params[1].grad = torch.ones(3, dtype=torch.float64)
    opt = Lamb(params, lr=0.1)
    opt.step()
    for p in params:
        torch.testing.assert_close(p.detach(), torch.ones(3, dtype=torch.float64), rtol=0, atol=0)
        assert torch.isfinite(opt.state[p]['exp_avg']).all()
