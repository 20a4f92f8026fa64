import pytest
import torch

from pytorch_optimizer import ScalableShampoo
from tests.optimizer.pilot_utils import compare
from tests.reference.scalableshampoo import scalable_shampoo_step

SHAPES = [(6, 5), (7,), (), (3, 2, 4)]
FLAGS = [
    {},
    {'block_size': 4},
    {'block_size': 3, 'graft_type': 'adagrad', 'nesterov': False},
    {'start_preconditioning_step': 4, 'preconditioning_compute_steps': 3, 'weight_decay': 0.1},
    {'block_size': 5, 'betas': (0.5, 0.9), 'graft_type': 'adagrad', 'start_preconditioning_step': 2},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, 'betas': (0.9, 0.99), 'start_preconditioning_step': 1, 'preconditioning_compute_steps': 2,
              'block_size': 8, 'matrix_eps': 1e-3, **flags}  # fmt: skip
    ref = {
        'lr': kwargs['lr'],
        'betas': kwargs['betas'],
        'block_size': kwargs['block_size'],
        'start': kwargs['start_preconditioning_step'],
        'compute_steps': kwargs['preconditioning_compute_steps'],
        'graft': kwargs.get('graft_type', 'sgd'),
        'nesterov': kwargs.get('nesterov', True),
        'weight_decay': kwargs.get('weight_decay', 0.0),
        'matrix_eps': kwargs['matrix_eps'],
    }
    compare(
        ScalableShampoo,
        scalable_shampoo_step,
        SHAPES,
        steps=10,
        opt_kwargs=kwargs,
        ref_kwargs=ref,
        rtol=1e-9,
        atol=1e-10,
    )


def test_blocks_are_independent_shampoo_problems():
    """A (4, 4) matrix in 2x2 blocks with a block-diagonal gradient: each block's step is that block's polar factor."""
    g = torch.zeros(4, 4, dtype=torch.float64)
    g[:2, :2] = torch.tensor([[3.0, 1.0], [0.0, 2.0]])
    g[2:, 2:] = torch.tensor([[1.0, -1.0], [2.0, 0.5]])
    p = torch.nn.Parameter(torch.zeros(4, 4, dtype=torch.float64))
    p.grad = g
    opt = ScalableShampoo([p], lr=1.0, betas=(0.0, 1.0), block_size=2, start_preconditioning_step=1,
                          graft_type='none', nesterov=False, matrix_eps=1e-12, shape_interpretation=False)  # fmt: skip
    opt.step()
    for sl in (slice(0, 2), slice(2, 4)):
        u, _, vh = torch.linalg.svd(g[sl, sl])
        torch.testing.assert_close(-p.detach()[sl, sl], u @ vh, rtol=0, atol=1e-5)
    assert torch.equal(p.detach()[:2, 2:], torch.zeros(2, 2, dtype=torch.float64))


def test_sgd_grafting_keeps_the_gradient_norm():
    p = torch.nn.Parameter(torch.zeros(5, 3, dtype=torch.float64))
    p.grad = torch.randn(5, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ScalableShampoo(
        [p], lr=1.0, betas=(0.0, 0.99), start_preconditioning_step=1, nesterov=False, shape_interpretation=False
    ).step()
    torch.testing.assert_close(p.detach().norm(), p.grad.norm())
    assert not torch.allclose(-p.detach(), p.grad)  # the direction is preconditioned
