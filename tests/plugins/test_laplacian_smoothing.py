import pytest
import torch

from pytorch_optimizer.plugins.laplacian_smoothing import attach_laplacian_smoothing, laplacian_smoothing_
from tests.plugins.plugin_utils import OPTIMIZERS, D, check_against_direct


def dense_solve(v, sigma):
    n = v.numel()
    lap = -2.0 * torch.eye(n, dtype=D)
    for i in range(n):
        lap[i, (i + 1) % n] += 1.0
        lap[i, (i - 1) % n] += 1.0
    return torch.linalg.solve(torch.eye(n, dtype=D) - sigma * lap, v.reshape(-1)).view_as(v)


def direct(params, grads):
    return [dense_solve(g, 1.0) if g.numel() > 4 else g for g in grads]


@pytest.mark.parametrize('cls', OPTIMIZERS)
def test_attached(cls):
    check_against_direct(lambda o: attach_laplacian_smoothing(o, sigma=1.0), direct, cls)


def test_z4_dense_solve_mean_and_identity():
    v = torch.randn(8, dtype=D)
    u = v.clone()
    laplacian_smoothing_([u], sigma=1.0)
    torch.testing.assert_close(u, dense_solve(v, 1.0))
    torch.testing.assert_close(u.mean(), v.mean())
    w = v.clone()
    laplacian_smoothing_([w], sigma=0.0)
    torch.testing.assert_close(w, v)


def test_global_mode_is_one_solve_over_the_concatenation():
    a, b = torch.randn(3, 2, dtype=D), torch.randn(5, dtype=D)
    ga, gb = a.clone(), b.clone()
    laplacian_smoothing_([ga, gb], sigma=0.7, layerwise=False)
    expected = dense_solve(torch.cat([a.reshape(-1), b]), 0.7)
    torch.testing.assert_close(torch.cat([ga.reshape(-1), gb]), expected)
