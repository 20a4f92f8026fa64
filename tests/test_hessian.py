"""base/hessian.py against dense Hessians (float64)."""

import pytest
import torch

from pytorch_optimizer.base import hessian

SHAPES = ((3, 2), (4,))


def loss_of(tensors):
    w, b = tensors
    x = torch.linspace(-1.0, 1.0, 6, dtype=torch.float64).reshape(3, 2)
    z = (x * w).sum(dim=1) @ b[:3] + b[3]
    return torch.sin(z) + (w**2).sum() * (b**2).sum() + 0.1 * (w**4).sum()


def flat_loss(flat):
    w, b = flat[:6].reshape(3, 2), flat[6:]
    return loss_of((w, b))


@pytest.fixture
def setup():
    gen = torch.Generator().manual_seed(0)
    params = [torch.randn(s, generator=gen, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    vecs = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    dense = torch.autograd.functional.hessian(flat_loss, flat)
    grad = torch.autograd.functional.jacobian(flat_loss, flat)
    v = torch.cat([x.reshape(-1) for x in vecs])
    return params, vecs, dense, grad, v


def flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def test_hvp_double_backward_matches_dense(setup):
    params, vecs, dense, _, v = setup
    torch.testing.assert_close(flat(hessian.hvp(loss_of(params), params, vecs)), dense @ v, rtol=1e-12, atol=1e-12)


def test_hvp_reuses_given_gradients(setup):
    params, vecs, dense, grad, v = setup
    loss = loss_of(params)
    grads = hessian.gradient(loss, params)
    torch.testing.assert_close(flat([g.detach() for g in grads]), grad, rtol=1e-12, atol=1e-12)
    for _ in range(2):  # the graph is retained: several products from one forward
        torch.testing.assert_close(
            flat(hessian.hvp(loss, params, vecs, grads=grads)), dense @ v, rtol=1e-12, atol=1e-12
        )


def test_hvp_forward_over_reverse_matches_dense(setup):
    params, vecs, dense, grad, v = setup
    grads, hv = hessian.hvp_func(loss_of, params, vecs)
    torch.testing.assert_close(flat(hv), dense @ v, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(flat(grads), grad, rtol=1e-12, atol=1e-12)


def test_directional_curvature_and_derivatives(setup):
    params, vecs, dense, grad, v = setup
    slope, curvature = hessian.directional_curvature(loss_of(params), params, vecs)
    torch.testing.assert_close(slope, grad @ v, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(curvature, v @ dense @ v, rtol=1e-12, atol=1e-12)
    value, slope_f, curvature_f = hessian.directional_derivatives(loss_of, params, vecs)
    torch.testing.assert_close(value, loss_of([p.detach() for p in params]), rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(slope_f, grad @ v, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(curvature_f, v @ dense @ v, rtol=1e-12, atol=1e-12)


def test_unused_parameter_and_constant_output_give_zeros(setup):
    params, vecs, _, _, _ = setup
    extra = torch.ones(2, dtype=torch.float64, requires_grad=True)
    hv = hessian.hvp(loss_of(params), [*params, extra], [*vecs, torch.ones(2, dtype=torch.float64)])
    assert torch.equal(hv[-1], torch.zeros(2, dtype=torch.float64))
    assert all(
        torch.equal(g, torch.zeros_like(p)) for g, p in zip(hessian.gradient(torch.tensor(1.0), params), params)
    )


@pytest.mark.parametrize('distribution', ['rademacher', 'gaussian'])
def test_hutchinson_is_seeded_and_unbiased(setup, distribution):
    params, _, dense, _, _ = setup
    loss = loss_of(params)

    def estimate(seed, n):
        g = torch.Generator().manual_seed(seed)
        return flat(hessian.hutchinson_diagonal(loss, params, n_samples=n, distribution=distribution, generator=g))

    assert torch.equal(estimate(7, 3), estimate(7, 3))
    assert not torch.equal(estimate(7, 3), estimate(8, 3))
    error = (estimate(1, 4000) - dense.diagonal()).abs().max() / dense.abs().max()
    assert error < 0.1, error


def test_hutchinson_rademacher_exact_for_diagonal_hessian():
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    loss = (torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64) * x**4).sum()
    est = hessian.hutchinson_diagonal(loss, [x], generator=torch.Generator().manual_seed(0))[0]
    torch.testing.assert_close(est, 12 * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64) * x.detach() ** 2)
    with pytest.raises(ValueError, match='distribution'):
        hessian.hutchinson_diagonal(loss, [x], distribution='uniform')


@pytest.mark.parametrize('central', [True, False])
def test_finite_difference_hvp(setup, central):
    params, vecs, dense, _, v = setup
    before = [p.detach().clone() for p in params]

    def grad_fn():
        return torch.autograd.grad(loss_of(params), params)

    hv = hessian.hvp_finite_difference(grad_fn, params, vecs, h=1e-5 if central else 1e-7, central=central)
    torch.testing.assert_close(flat(hv), dense @ v, rtol=1e-5 if central else 1e-4, atol=1e-5 if central else 1e-4)
    assert all(torch.equal(p.detach(), b) for p, b in zip(params, before)), 'parameters not restored exactly'


def test_finite_difference_exact_on_quadratic():
    A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    x = torch.tensor([0.5, 0.5], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([1.0, -2.0], dtype=torch.float64)
    hv = hessian.hvp_finite_difference(lambda: torch.autograd.grad(0.5 * x @ A @ x, [x]), [x], [v], h=0.1)
    torch.testing.assert_close(hv[0], A @ v, rtol=1e-12, atol=1e-12)
