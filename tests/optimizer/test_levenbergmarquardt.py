import itertools

import pytest
import torch

from pytorch_optimizer import LevenbergMarquardt
from tests.optimizer.test_newton import A, B, quadratic, smooth
from tests.reference.levenbergmarquardt import levenberg_marquardt_step


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def test_spec_z3_first_step_and_radius():
    x = torch.nn.Parameter(torch.tensor([0.5, 0.5], dtype=torch.float64))
    opt = LevenbergMarquardt([x])
    opt.step(lambda backward=True: quadratic(x))
    torch.testing.assert_close(x.detach(), torch.tensor([0.454545, -0.318182], dtype=torch.float64), atol=1e-6, rtol=0)
    assert opt.param_groups[0]['radius'] == 3.5  # rho = 1 on a quadratic
    opt.step(lambda backward=True: quadratic(x))
    assert opt.param_groups[0]['radius'] == 12.25
    assert (A @ x.detach() - B).norm() < 0.15  # was 1.1 at x0, 0.6 after step 1


@pytest.mark.parametrize(('f', 'x0'), [(rosenbrock, [-1.5, 2.0]), (smooth, [0.3, -1.0, 2.0])])
@pytest.mark.parametrize('kwargs', [{}, {'y': 1.0}, {'init': 0.01, 'nplus': 2.0, 'eta': 0.2}])
def test_matches_reference_trajectory(f, x0, kwargs):
    x0 = torch.tensor(x0, dtype=torch.float64)
    x = torch.nn.Parameter(x0.clone())
    opt = LevenbergMarquardt([x], **kwargs)
    ref, radius = x0.clone(), kwargs.get('init', 1.0)
    ref_kwargs = {k: v for k, v in kwargs.items() if k != 'init'}
    for _ in range(7):  # before convergence: at f ~ 1e-16 the ratio rho is rounding noise
        opt.step(lambda backward=True: f(x))
        ref, radius = levenberg_marquardt_step(f, ref, radius, **ref_kwargs)
        torch.testing.assert_close(x.detach(), ref, rtol=1e-9, atol=1e-11)
        assert opt.param_groups[0]['radius'] == pytest.approx(radius)


def test_rejected_steps_do_not_move_and_rosenbrock_converges():
    x = torch.nn.Parameter(torch.tensor([-1.5, 2.0], dtype=torch.float64))
    opt = LevenbergMarquardt([x], init=100.0)
    values = []
    for _ in range(60):
        values.append(float(opt.step(lambda backward=True: rosenbrock(x))))
    assert all(b <= a for a, b in itertools.pairwise(values))  # accepted steps only decrease f (eta = 0)
    assert values[-1] < 1e-12


def test_fd_hessian_gives_the_same_steps_on_a_quadratic():
    xs = []
    for hessian in ('autograd', 'fd'):
        x = torch.nn.Parameter(torch.tensor([0.5, 0.5], dtype=torch.float64))
        opt = LevenbergMarquardt([x], hessian=hessian)
        for _ in range(3):
            opt.step(lambda backward=True, x=x: quadratic(x))
        xs.append(x.detach())
    torch.testing.assert_close(xs[0], xs[1], rtol=0, atol=1e-7)
