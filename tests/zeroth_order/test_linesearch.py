"""Line-search wrappers (Backtracking, StrongWolfe, ParabolicSearch): spec second_order.md §3.3 / §3.9 Z1, Z7."""

import copy
import io
import math
import pickle

import pytest
import torch

from pytorch_optimizer import Backtracking, NoClosureError, ParabolicSearch, StrongWolfe, load_wrapper
from pytorch_optimizer.wrappers.wolfe import cubic_minimizer

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -1.0], dtype=torch.float64)
X0 = torch.tensor([0.5, 0.5], dtype=torch.float64)


def quadratic(x):
    return 0.5 * x @ A @ x - B @ x


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def closure_for(opt, loss_fn, counter=None):
    def closure(backward=True):
        if counter is not None:
            counter['calls'] += 1
        loss = loss_fn()
        if backward:
            opt.zero_grad()
            loss.backward()
        return loss

    return closure


def test_backtracking_z1():
    """Z1: f = x^2, x0 = 1, d = g = 2: a = 1 fails Armijo, a = 0.5 accepted -> x = 0."""
    x = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))
    opt = Backtracking(torch.optim.SGD([x], lr=1.0))
    loss = opt.step(closure_for(opt, lambda: x**2))
    assert float(loss.detach()) == 1.0 and float(x.detach()) == 0.0
    assert opt.state['line_search'] == {'step': 1, 'num_evaluations': 3, 'step_size': 0.5, 'scale': 1.0}


def test_backtracking_accepts_the_first_armijo_step():
    x = torch.nn.Parameter(X0.clone())
    inner = torch.optim.SGD([x], lr=0.1, momentum=0.9)
    twin = torch.nn.Parameter(X0.clone())
    twin_opt = torch.optim.SGD([twin], lr=0.1, momentum=0.9)
    opt = Backtracking(inner)
    for _ in range(3):
        opt.step(closure_for(opt, lambda: quadratic(x)))
        twin_opt.zero_grad()
        quadratic(twin).backward()
        twin_opt.step()
        assert opt.state['line_search']['step_size'] == 1.0
        torch.testing.assert_close(x.detach(), twin.detach(), rtol=0, atol=1e-15)
    assert opt.state['line_search']['num_evaluations'] == 3 * 2


def reference_line_search_run(search, inner_factory, start, steps):
    """Plain reference: the inner optimizer on a twin tensor steps once; search along its displacement."""
    x = start.clone().requires_grad_(True)
    inner = inner_factory([x])
    trajectory = []
    for _ in range(steps):
        inner.zero_grad()
        f0 = rosenbrock(*x)
        f0.backward()
        x0 = x.detach().clone()
        inner.step()
        d = x0 - x.detach()
        g0 = -float(x.grad @ d)

        def phi(a, x0=x0, d=d):
            return float(rosenbrock(*(x0 - a * d)))

        a = search(phi, f0.item(), g0)
        with torch.no_grad():
            x.copy_(x0 - a * d)
        trajectory.append(x.detach().clone())
    return trajectory


def armijo_reference(beta=0.5, c=1e-4, maxiter=10):
    """Backtracking from a = scale; a failure gives a = 0 and scale *= beta^maxiter, a success resets scale = 1."""
    state = {'scale': 1.0}

    def search(phi, f0, g0):
        a, previous = state['scale'], None
        for _ in range(maxiter):
            value = phi(a)
            if previous is not None and previous < f0 and value > previous:
                state['scale'] = 1.0
                return a / beta
            if value < f0 + c * a * min(g0, 0.0):
                state['scale'] = 1.0
                return a
            previous, a = value, a * beta
        state['scale'] *= beta**maxiter
        return 0.0

    return search


def parabola_reference():
    """Three-point parabola at 0, a, 2a, vertex verified; the next trial a is the accepted step."""
    state = {'a': 1.0}

    def search(phi, f0, g0):
        a = state['a']
        f1, f2 = phi(a), phi(2 * a)
        candidates = [(f0, 0.0), (f1, a), (f2, 2 * a)]
        if f0 - 2 * f1 + f2 > 0:
            vertex = a * (3 * f0 - 4 * f1 + f2) / (2 * (f0 - 2 * f1 + f2))
            if vertex > 0:
                candidates.append((phi(vertex), vertex))
        accepted = min(candidates)[1]
        state['a'] = accepted if accepted > 0 else a / 2
        return accepted

    return search


@pytest.mark.parametrize('inner', ['sgd', 'adam'])
@pytest.mark.parametrize('search', ['backtracking', 'parabolicsearch'])
def test_matches_reference_trajectory(search, inner):
    factories = {
        'sgd': lambda p: torch.optim.SGD(p, lr=2e-3, momentum=0.5),
        'adam': lambda p: torch.optim.Adam(p, lr=0.05),
    }
    start = torch.tensor([-1.2, 1.0], dtype=torch.float64)
    reference = armijo_reference() if search == 'backtracking' else parabola_reference()
    expected = reference_line_search_run(reference, factories[inner], start, 12)
    x = torch.nn.Parameter(start.clone())
    opt = load_wrapper(search)(factories[inner]([x]))
    for k in range(12):
        opt.step(closure_for(opt, lambda: rosenbrock(*x)))
        torch.testing.assert_close(x.detach(), expected[k], rtol=1e-9, atol=1e-10, msg=lambda m, k=k: f"step {k}: {m}")


@pytest.mark.parametrize('cls', [Backtracking, StrongWolfe, ParabolicSearch])
def test_inner_state_advances_exactly_once_per_step(cls):
    x = torch.nn.Parameter(torch.tensor([-1.2, 1.0], dtype=torch.float64))
    inner = torch.optim.Adam([x], lr=0.05)
    opt = cls(inner)
    counter = {'calls': 0}
    for _ in range(7):
        opt.step(closure_for(opt, lambda: rosenbrock(*x), counter))
    assert float(inner.state[x]['step']) == 7
    assert opt.state['line_search']['step'] == 7
    assert opt.state['line_search']['num_evaluations'] == counter['calls']


def test_parabolic_is_the_exact_line_minimizer_on_a_quadratic():
    """Z7: with SGD the parabola vertex is the Cauchy step x0 - (g^T g / g^T A g) g = (0.1463, -0.3841)."""
    x = torch.nn.Parameter(X0.clone())
    opt = ParabolicSearch(torch.optim.SGD([x], lr=1.0))
    opt.step(closure_for(opt, lambda: quadratic(x)))
    g = A @ X0 - B
    expected = X0 - (g @ g) / (g @ A @ g) * g
    torch.testing.assert_close(x.detach(), expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(x.detach(), torch.tensor([0.1463, -0.3841], dtype=torch.float64), rtol=0, atol=1e-4)
    assert opt.state['line_search']['num_evaluations'] == 4  # closure + phi(a), phi(2a), phi(vertex)


def test_cubic_minimizer_is_exact_on_cubics_and_quadratics():
    def point(f, df, a):
        return (a, f(a), df(a))

    cubic, dcubic = (lambda a: a**3 - 12 * a), (lambda a: 3 * a**2 - 12)
    assert cubic_minimizer(point(cubic, dcubic, 1.0), point(cubic, dcubic, 3.0), 0.0, 10.0) == pytest.approx(2.0)
    assert cubic_minimizer(point(cubic, dcubic, 3.0), point(cubic, dcubic, 0.5), 0.0, 10.0) == pytest.approx(2.0)
    quad, dquad = (lambda a: (a - 0.3) ** 2), (lambda a: 2 * (a - 0.3))
    assert cubic_minimizer(point(quad, dquad, 0.0), point(quad, dquad, 1.0), 0.0, 1.0) == pytest.approx(0.3)
    assert cubic_minimizer(point(quad, dquad, 0.0), point(quad, dquad, 1.0), 0.5, 1.0) == 0.5  # clipped
    assert cubic_minimizer((0.0, 0.0, 1.0), (0.0, 0.0, 1.0), 0.0, 1.0) is None


@pytest.mark.parametrize('lr', [1e-5, 1e-3, 0.5])
@pytest.mark.parametrize('interpolation', ['cubic', 'bisection'])
def test_strong_wolfe_conditions_hold(lr, interpolation):
    """Small steps need bracketing (extrapolation), large ones zooming; the accepted step satisfies both conditions."""
    x = torch.nn.Parameter(torch.tensor([-1.2, 1.0], dtype=torch.float64))
    opt = StrongWolfe(torch.optim.SGD([x], lr=lr), c1=1e-4, c2=0.5, interpolation=interpolation, adaptive=False)
    for _ in range(5):
        x0 = x.detach().clone()
        x.grad = None
        f0 = rosenbrock(*x)
        (g,) = torch.autograd.grad(f0, x)
        d = lr * g  # SGD's displacement
        opt.step(closure_for(opt, lambda: rosenbrock(*x)))
        a = opt.state['line_search']['step_size']
        torch.testing.assert_close(x.detach(), x0 - a * d, rtol=1e-10, atol=1e-12)
        xa = (x0 - a * d).requires_grad_(True)
        fa = rosenbrock(*xa)
        (ga,) = torch.autograd.grad(fa, xa)
        g0 = -float(g @ d)
        assert a > 0
        assert fa.item() <= f0.item() + 1e-4 * a * g0
        assert abs(float(ga @ d)) <= 0.5 * abs(g0)


@pytest.mark.parametrize('a_init', ['fixed', 'previous', 'first-order', 'quadratic', 'quadratic-clip'])
def test_strong_wolfe_adam_converges_on_rosenbrock(a_init):
    """Adam(lr=0.1) alone is still at loss ~0.2 after 300 steps; along its direction Wolfe steps reach the minimum."""
    x = torch.nn.Parameter(torch.tensor([-1.2, 1.0], dtype=torch.float64))
    opt = load_wrapper('strongwolfe')(torch.optim.Adam([x], lr=0.1), a_init=a_init)
    for _ in range(300):
        loss = opt.step(closure_for(opt, lambda: rosenbrock(*x)))
    assert float(loss.detach()) < 1e-4
    torch.testing.assert_close(x.detach(), torch.ones(2, dtype=torch.float64), rtol=0, atol=2e-2)


def test_not_a_descent_direction_gives_no_step():
    x = torch.nn.Parameter(X0.clone())
    inner = torch.optim.SGD([x], lr=0.1, maximize=True)
    for cls in (StrongWolfe, Backtracking):
        opt = cls(inner)
        opt.step(closure_for(opt, lambda: quadratic(x)))
        assert opt.state['line_search']['step_size'] == 0.0 and torch.equal(x.detach(), X0)


def test_non_finite_trial_shrinks_the_step():
    x = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))

    def loss_fn():  # NaN beyond x < -0.5: the full SGD step lands there
        return torch.where(x < -0.5, torch.full_like(x, math.nan), x**2).sum()

    opt = Backtracking(torch.optim.SGD([x], lr=1.0))
    opt.step(closure_for(opt, loss_fn))
    assert x.item() == 0.0 and opt.state['line_search']['step_size'] == 0.5


@pytest.mark.parametrize('cls', [Backtracking, StrongWolfe, ParabolicSearch])
def test_resume_is_bit_identical(cls):
    def run(steps, state=None, start=None):
        x = torch.nn.Parameter(torch.tensor([-1.2, 1.0], dtype=torch.float64) if start is None else start.clone())
        opt = cls(torch.optim.Adam([x], lr=0.05))
        if state is not None:
            opt.load_state_dict(state)
        for _ in range(steps):
            opt.step(closure_for(opt, lambda: rosenbrock(*x)))
        return x.detach().clone(), opt

    full, _ = run(8)
    half, opt = run(4)
    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    buffer.seek(0)
    resumed, resumed_opt = run(4, torch.load(buffer, weights_only=True), half)
    assert torch.equal(full, resumed)
    assert resumed_opt.state['line_search']['step'] == 8
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert clone.state['line_search'] == opt.state['line_search']


def test_closure_without_backward_argument_still_works():
    x = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))
    opt = Backtracking(torch.optim.SGD([x], lr=1.0))

    def closure():
        opt.zero_grad()
        loss = x**2
        loss.backward()
        return loss

    opt.step(closure)
    assert x.item() == 0.0


def test_requires_closure_and_validates_arguments():
    x = torch.nn.Parameter(X0.clone())
    for cls in (Backtracking, StrongWolfe, ParabolicSearch):
        with pytest.raises(NoClosureError, match=f'{cls.__name__} requires a closure'):
            cls(torch.optim.SGD([x], lr=0.1)).step()
    with pytest.raises(ValueError, match='Backtracking: beta must be in'):
        Backtracking(torch.optim.SGD([x], lr=0.1), beta=1.0)
    with pytest.raises(ValueError, match='Backtracking: condition must be one of'):
        Backtracking(torch.optim.SGD([x], lr=0.1), condition='wolfe')
    with pytest.raises(ValueError, match='StrongWolfe: c1 must be smaller than c2'):
        StrongWolfe(torch.optim.SGD([x], lr=0.1), c1=0.5, c2=0.4)
    with pytest.raises(ValueError, match='StrongWolfe: a_init must be one of'):
        StrongWolfe(torch.optim.SGD([x], lr=0.1), a_init='cubic')
    with pytest.raises(TypeError, match='ParabolicSearch: init must be a real number'):
        ParabolicSearch(torch.optim.SGD([x], lr=0.1), init='1')
    with pytest.raises(TypeError, match=r'must be a torch\.optim\.Optimizer'):
        Backtracking([x])
