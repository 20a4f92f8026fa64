import copy

import pytest
import torch

from pytorch_optimizer import NoClosureError, load_optimizer
from pytorch_optimizer.optimizer.newton import Newton
from tests.reference.newton import newton_fd_step, newton_step

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -1.0], dtype=torch.float64)


def quadratic(x):
    return 0.5 * x @ A @ x - B @ x


def smooth(x):
    """Non-quadratic, coupled: log-sum-exp plus a quartic."""
    w = torch.linspace(-1.0, 1.0, x.numel(), dtype=torch.float64)
    return torch.logsumexp(torch.stack([x @ w, -x.sum(), x[0] - x[-1]]), 0) + 0.25 * (x**4).sum() + 0.5 * (x**2).sum()


def run(name, f, x0, steps, **kwargs):
    """The optimizer over two parameter tensors (a vector split in two) of one group."""
    x = torch.nn.Parameter(x0.clone())
    opt = load_optimizer(name)([x], **kwargs)

    def closure(backward=True):
        value = f(x)
        if backward:
            opt.zero_grad()
            value.backward()
        return value

    path = []
    for _ in range(steps):
        opt.step(closure)
        path.append(x.detach().clone())
    return path, opt


def test_spec_z2_one_step_lands_on_the_minimizer():
    x0 = torch.tensor([0.5, 0.5], dtype=torch.float64)
    for name in ('newton', 'newtonfdm'):
        (x,), _ = run(name, quadratic, x0, 1)
        torch.testing.assert_close(x, torch.tensor([0.6, -0.8], dtype=torch.float64), rtol=0, atol=1e-9)
    (x,), _ = run('newton', quadratic, x0, 1, damping=1.0)
    torch.testing.assert_close(x, x0 - torch.linalg.solve(A + torch.eye(2, dtype=torch.float64), A @ x0 - B))
    torch.testing.assert_close(x, torch.tensor([0.454545, -0.318182], dtype=torch.float64), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    'kwargs', [{}, {'damping': 0.3}, {'lr': 0.5}, {'eigval_fn': 'abs'}, {'eigval_fn': 'clip', 'eigval_min': 0.5}]
)
def test_matches_reference_trajectory(kwargs):
    x0 = torch.linspace(-1.0, 1.5, 5, dtype=torch.float64)
    path, _ = run('newton', smooth, x0, 10, **kwargs)
    ref = x0.clone()
    for x in path:
        ref = newton_step(smooth, ref, **kwargs)
        torch.testing.assert_close(x, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('kwargs', [{}, {'damping': 0.3, 'lr': 0.7}])
def test_fd_matches_reference_trajectory(kwargs):
    x0 = torch.linspace(-1.0, 1.5, 4, dtype=torch.float64)
    path, _ = run('newtonfdm', smooth, x0, 6, h=1e-4, **kwargs)
    ref = x0.clone()
    for x in path:
        ref = newton_fd_step(smooth, ref, 1e-4, **kwargs)
        # FD entries carry ~eps/h^2 = 1e-8 rounding noise, so an ulp of difference in x (eigh vs LU solve of
        # the previous step) moves the next FD Hessian by ~1e-8
        torch.testing.assert_close(x, ref, rtol=1e-6, atol=1e-7)


def test_saddle_free_newton_descends_where_newton_climbs():
    """f = x^2 - y^2 from (1, 0.1): Newton jumps to the saddle (0, 0); |eigenvalues| moves away along y."""
    saddle = lambda x: x[0] ** 2 - x[1] ** 2  # noqa: E731
    x0 = torch.tensor([1.0, 0.1], dtype=torch.float64)
    (plain,), _ = run('newton', saddle, x0, 1)
    (free,), _ = run('newton', saddle, x0, 1, eigval_fn='abs')
    torch.testing.assert_close(plain, torch.zeros(2, dtype=torch.float64))
    torch.testing.assert_close(free, torch.tensor([0.0, 0.2], dtype=torch.float64))


def test_fd_maximize_and_resume():
    """Properties the contract suite skips for hessian='fd' (cost), on a 3-coordinate problem."""
    x0 = torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64)
    full, _ = run('newtonfdm', smooth, x0, 4)
    neg, _ = run('newtonfdm', lambda x: -smooth(x), x0, 4, maximize=True)
    assert all(torch.equal(a, b) for a, b in zip(full, neg))
    _, opt = run('newtonfdm', smooth, x0, 2)
    x = torch.nn.Parameter(opt.param_groups[0]['params'][0].detach().clone())
    resumed = Newton([x], hessian='fd')
    resumed.load_state_dict(copy.deepcopy(opt.state_dict()))
    for _ in range(2):
        resumed.step(lambda backward=True: smooth(x))
    assert torch.equal(x.detach(), full[-1]) and resumed.param_groups[0]['step'] == 4


def test_requires_closure_and_leaves_grad_alone():
    x = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    opt = Newton([x])
    with pytest.raises(NoClosureError, match='Newton'):
        opt.step()
    x.grad = torch.full((2,), 7.0, dtype=torch.float64)
    opt.step(lambda backward=True: quadratic(x))
    assert torch.equal(x.grad, torch.full((2,), 7.0, dtype=torch.float64))
