import pytest
import torch

from pytorch_optimizer import Shampoo
from tests.optimizer.pilot_utils import compare
from tests.reference.shampoo import shampoo_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'momentum': 0.9},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': True},
    {'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True},
    # stale roots of a rank-deficient eps*I + sum g g^T multiply new gradient directions by eps^(-1/2): with
    # eps = 1e-6 that is x1000, and this test gradient (sin(3p)) turns rounding into chaos; eps = 1e-3 is tame
    {'preconditioning_compute_steps': 3, 'momentum': 0.5, 'matrix_eps': 1e-3},
    {'matrix_eps': 1e-2},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(Shampoo, shampoo_step, SHAPES, steps=12, opt_kwargs=kwargs, ref_kwargs=kwargs, rtol=1e-10, atol=1e-11)


def test_first_matrix_step_is_the_polar_factor():
    """L^{-1/4} G R^{-1/4} with L = GG^T, R = G^TG is U V^T for G = U S V^T: every singular value becomes 1."""
    g = torch.randn(6, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    p = torch.nn.Parameter(torch.zeros(6, 4, dtype=torch.float64))
    p.grad = g
    Shampoo([p], lr=1.0, matrix_eps=1e-30).step()
    u, _, vh = torch.linalg.svd(g, full_matrices=False)
    torch.testing.assert_close(-p.detach(), u @ vh, rtol=0, atol=1e-9)


def test_singular_and_non_finite_statistics_never_give_nan():
    p = torch.nn.Parameter(torch.ones(4, 3, dtype=torch.float64))
    q = torch.nn.Parameter(torch.ones(4, 3, dtype=torch.float64))
    opt = Shampoo([p, q], lr=0.1, matrix_eps=1e-12)
    p.grad = torch.zeros(4, 3, dtype=torch.float64)  # statistics stay eps*I (near singular)
    q.grad = torch.full((4, 3), float('nan'), dtype=torch.float64)
    opt.step()
    assert torch.equal(p.detach(), torch.ones(4, 3, dtype=torch.float64))
    assert torch.isfinite(opt.state[q]['preconditioners']).all()
