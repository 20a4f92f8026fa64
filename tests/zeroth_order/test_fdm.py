"""Coordinate-wise FDM, the finite-difference closure protocol, and SPSA + Adam without any backward pass."""

import pytest
import torch

from pytorch_optimizer import FDM, NoClosureError, RandomizedFDM, load_wrapper
from pytorch_optimizer.tasks import TeacherStudent
from pytorch_optimizer.wrappers.fdm import FORMULAS

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -1.0], dtype=torch.float64)
X0 = torch.tensor([0.5, 0.5], dtype=torch.float64)

# order of accuracy of each stencil: exact on polynomials of this degree
ORDER = {
    'forward': 1,
    'backward': 1,
    'central': 2,
    'forward3': 2,
    'backward3': 2,
    'central4': 4,
    'forward4': 3,
    'forward5': 4,
}


def value_closure(loss_fn, counter=None):
    def closure(backward=True):
        loss = loss_fn()
        if backward:
            if counter is not None:
                counter['backward'] += 1
            loss.backward()
        return loss

    return closure


def test_every_stencil_has_an_order():
    assert set(FORMULAS) == set(ORDER)
    for coefficients, _ in FORMULAS.values():
        assert abs(sum(coefficients.values())) < 1e-15  # a constant has derivative 0


@pytest.mark.parametrize('formula', sorted(FORMULAS))
def test_stencil_exact_on_polynomials_of_its_order(formula):
    degree = ORDER[formula]
    w = torch.nn.Parameter(torch.tensor([[0.3, -1.2], [0.7, 2.0]], dtype=torch.float64))
    c = torch.tensor([[1.0, -0.5], [2.0, 0.25]], dtype=torch.float64)
    opt = FDM(torch.optim.SGD([w], lr=0.0), h=0.1, formula=formula)
    opt.step(value_closure(lambda: (c * w**degree).sum() + w.sum()))
    exact = degree * c * w.detach() ** (degree - 1) + 1
    torch.testing.assert_close(w.grad, exact, rtol=1e-9, atol=1e-9)


def test_central_coordinate_fdm_is_the_gradient_and_counts_evaluations():
    x = torch.nn.Parameter(X0.clone())
    calls = {'n': 0}

    def closure(backward=True):
        calls['n'] += 1
        return 0.5 * x @ A @ x - B @ x

    opt = FDM(torch.optim.SGD([x], lr=0.0))
    loss = opt.step(closure)
    torch.testing.assert_close(x.grad, A @ X0 - B, rtol=1e-10, atol=1e-10)
    assert calls['n'] == 2 * 2 + 1 == opt.state['fdm']['num_evaluations']  # 2n + f(x)
    assert float(loss) == 0.875 and torch.equal(x.detach(), X0)  # weights restored exactly
    FDM(torch.optim.SGD([x], lr=0.0), formula='forward').step(closure)
    assert calls['n'] == 5 + 2 + 1  # n + f(x), f(x) shared


def test_fdm_trains_with_sgd_multi_tensor_and_complex():
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(3, 2, dtype=torch.float64))
    z = torch.nn.Parameter(torch.randn(2, dtype=torch.complex128))
    target = torch.tensor([1.0 - 1.0j, 0.5j], dtype=torch.complex128)
    opt = FDM(torch.optim.SGD([w, z], lr=0.1))

    def loss_fn():
        return ((w - 1) ** 2).sum() + (z - target).abs().square().sum()

    exact_w, exact_z = w.detach().clone().requires_grad_(), z.detach().clone().requires_grad_()
    (((exact_w - 1) ** 2).sum() + (exact_z - target).abs().square().sum()).backward()
    opt.step(value_closure(loss_fn))
    torch.testing.assert_close(w.grad, exact_w.grad)
    torch.testing.assert_close(z.grad, exact_z.grad)
    for _ in range(60):
        opt.step(value_closure(loss_fn))
    assert float(loss_fn().detach()) < 1e-8


def test_needs_a_closure_with_backward_argument():
    x = torch.nn.Parameter(X0.clone())
    opt = RandomizedFDM(torch.optim.SGD([x], lr=0.1))
    with pytest.raises(NoClosureError, match='RandomizedFDM requires a closure'):
        opt.step()
    with pytest.raises(TypeError, match='must accept a `backward` argument'):
        opt.step(lambda: (x**2).sum())


@pytest.mark.parametrize(
    ('kwargs', 'error', 'match'),
    [
        ({'h': 0.0}, ValueError, 'h must be in'),
        ({'h': '1e-3'}, TypeError, 'h must be a real number'),
        ({'n_samples': 0}, ValueError, 'n_samples must be > 0'),
        ({'formula': 'centre'}, ValueError, 'formula must be one of'),
        ({'distribution': 'cauchy'}, ValueError, 'distribution must be one of'),
        ({'seed': -1}, ValueError, 'seed must be >= 0'),
        ({'regenerate': 'yes'}, TypeError, 'regenerate must be True or False'),
        ({'lr': 0.1}, TypeError, 'unexpected keyword'),
    ],
)
def test_bad_arguments(kwargs, error, match):
    x = torch.nn.Parameter(X0.clone())
    with pytest.raises(error, match=match):
        RandomizedFDM(torch.optim.SGD([x], lr=0.1), **kwargs)


def test_presets_are_registered_variants():
    x = torch.nn.Parameter(X0.clone())
    for key, distribution in (('spsa', 'rademacher'), ('rdsa', 'gaussian'), ('mezo', 'gaussian')):
        opt = load_wrapper(key)(torch.optim.SGD([x], lr=0.1))
        assert isinstance(opt, RandomizedFDM) and opt.defaults['distribution'] == distribution
    assert load_wrapper('fdm') is FDM


def test_line_search_inside_sees_one_estimate_per_step():
    """RandomizedFDM(Backtracking(SGD)): value-only search, the same directions for every closure call."""
    x = torch.nn.Parameter(torch.tensor([2.0, -1.5], dtype=torch.float64))
    counter = {'backward': 0}
    line_search = load_wrapper('backtracking')(torch.optim.SGD([x], lr=1.0))
    opt = load_wrapper('spsa')(line_search, seed=0)
    closure = value_closure(lambda: 0.5 * x @ A @ x - B @ x, counter)
    losses = [float(opt.step(closure)) for _ in range(30)]
    assert counter['backward'] == 0 and losses[-1] < losses[0] - 1.0
    assert line_search.state['line_search']['step'] == 30


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matmuls: thread hand-offs dominate on a loaded 2-core machine
    yield
    torch.set_num_threads(threads)


def test_spsa_adam_trains_classifier_without_backward(one_thread):
    task = TeacherStudent()
    model = task.model(0)
    _, accuracy0 = task.evaluate(model)
    counter = {'backward': 0}
    opt = load_wrapper('spsa')(torch.optim.Adam(model.parameters(), lr=5e-3), n_samples=2, seed=0)
    for step in range(400):

        def closure(backward=True, step=step):
            loss = task.loss(model, step)
            if backward:
                counter['backward'] += 1
                opt.zero_grad()
                loss.backward()
            return loss

        opt.step(closure)
    loss, accuracy = task.evaluate(model)
    assert counter['backward'] == 0
    assert accuracy > 0.55 and accuracy > accuracy0 + 0.2, (accuracy0, accuracy, loss)  # chance 0.25, majority 0.35
    assert opt.state['fdm']['num_evaluations'] == 400 * (2 * 2 + 1)
