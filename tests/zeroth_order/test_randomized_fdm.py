"""RandomizedFDM and its presets (spsa, rdsa, gaussian_smoothing, mezo): spec second_order.md §3.1 / §3.9 Z6."""

import copy
import io
import math
import pickle

import pytest
import torch

from pytorch_optimizer import RandomizedFDM, load_wrapper

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -1.0], dtype=torch.float64)
X0 = torch.tensor([0.5, 0.5], dtype=torch.float64)
G0 = A @ X0 - B  # (1, 2.5)

STENCILS = {
    'forward': {0: -1.0, 1: 1.0, 'D': 1.0},
    'backward': {-1: -1.0, 0: 1.0, 'D': 1.0},
    'central': {-1: -1.0, 1: 1.0, 'D': 2.0},
    'forward3': {0: -3.0, 1: 4.0, 2: -1.0, 'D': 2.0},
    'central4': {-2: 1.0, -1: -8.0, 1: 8.0, 2: -1.0, 'D': 12.0},
}


def reference_direction(shapes, seed, distribution):
    """The documented direction of one sample: draws from a CPU generator seeded with the sample seed."""
    gen = torch.Generator().manual_seed(seed)
    zs = []
    for shape in shapes:
        if distribution == 'rademacher':
            zs.append(torch.randint(0, 2, shape, generator=gen, dtype=torch.float64) * 2 - 1)
        elif distribution == 'uniform':
            zs.append(torch.rand(shape, generator=gen, dtype=torch.float64) * (2 * math.sqrt(3)) - math.sqrt(3))
        else:
            zs.append(torch.randn(shape, generator=gen, dtype=torch.float64))
    return zs


def reference_estimate(f, xs, h, n, stencil, distribution, master):
    """Plain estimate: g = (1/n) sum_i z_i * sum_k c_k f(x + k h z_i) / (D h)."""
    seeds = torch.randint(0, 2**62, (n,), generator=master).tolist()
    grads = [torch.zeros_like(x) for x in xs]
    for seed in seeds:
        zs = reference_direction([x.shape for x in xs], seed, distribution)
        delta = 0.0
        for k, c in stencil.items():
            if k != 'D':
                delta += c * float(f([torch.add(x, z, alpha=k * h) for x, z in zip(xs, zs)]))  # x + k h z
        delta /= stencil['D'] * h * n
        for g, z in zip(grads, zs):
            g += z * delta
    return grads


def quadratic_loss(xs):
    x = torch.cat([t.reshape(-1) for t in xs])
    return 0.5 * x @ A @ x - B @ x


def make_closure(loss_fn, params, counter=None):
    def closure(backward=True):
        loss = loss_fn(params)
        if backward:
            if counter is not None:
                counter['backward'] += 1
            for p in params:
                p.grad = None
            loss.backward()
        return loss

    return closure


def multi_tensor_loss(xs):
    w, b = xs
    return (torch.sin(w) * w).sum() + (b**2).sum() * w.sum() + 0.1 * (w**4).sum()


@pytest.mark.parametrize('formula', list(STENCILS))
@pytest.mark.parametrize('distribution', ['rademacher', 'gaussian', 'uniform'])
def test_matches_reference_trajectory(formula, distribution):
    gen = torch.Generator().manual_seed(3)
    inits = [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(2, generator=gen, dtype=torch.float64)]
    params = [torch.nn.Parameter(x.clone()) for x in inits]
    refs = [x.clone() for x in inits]
    opt = RandomizedFDM(
        torch.optim.SGD(params, lr=0.05), h=1e-2, n_samples=3, formula=formula, distribution=distribution, seed=7
    )
    master = torch.Generator().manual_seed(7)
    closure = make_closure(multi_tensor_loss, params)
    for _ in range(10):
        opt.step(closure)
        grads = reference_estimate(multi_tensor_loss, refs, 1e-2, 3, STENCILS[formula], distribution, master)
        refs = [torch.add(r, g, alpha=-0.05) for r, g in zip(refs, grads)]  # SGD
        for p, r in zip(params, refs):
            torch.testing.assert_close(p.detach(), r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('h', [1e-3, 1.0, 10.0])
def test_central_is_exact_on_quadratic(h):
    """Z6: central differences give exactly z (z^T g) for any h."""
    x = torch.nn.Parameter(X0.clone())
    opt = RandomizedFDM(torch.optim.SGD([x], lr=0.0), h=h, seed=11)
    opt.step(make_closure(quadratic_loss, [x]))
    seed = torch.randint(0, 2**62, (1,), generator=torch.Generator().manual_seed(11)).item()
    (z,) = reference_direction([(2,)], seed, 'rademacher')
    torch.testing.assert_close(x.grad, z * (z @ G0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('h', [1e-2, 0.5])
def test_forward_bias_on_quadratic(h):
    """Z6: forward differences give z (z^T g) + (h/2)(z^T A z) z."""
    x = torch.nn.Parameter(X0.clone())
    opt = RandomizedFDM(torch.optim.SGD([x], lr=0.0), h=h, formula='forward', distribution='gaussian', seed=5)
    opt.step(make_closure(quadratic_loss, [x]))
    seed = torch.randint(0, 2**62, (1,), generator=torch.Generator().manual_seed(5)).item()
    (z,) = reference_direction([(2,)], seed, 'gaussian')
    torch.testing.assert_close(x.grad, z * (z @ G0) + h / 2 * (z @ A @ z) * z, rtol=1e-9, atol=1e-10)


def test_gaussian_smoothing_estimates_the_gradient():
    """Z6: Nesterov-Spokoiny with 20000 samples is within ~2% of g = (1, 2.5)."""
    x = torch.nn.Parameter(X0.clone())
    opt = load_wrapper('gaussian_smoothing')(torch.optim.SGD([x], lr=0.0), n_samples=20000, seed=0)
    assert opt.defaults['h'] == 1e-2 and opt.defaults['formula'] == 'forward'
    opt.step(make_closure(quadratic_loss, [x]))
    assert torch.linalg.vector_norm(x.grad - G0) / torch.linalg.vector_norm(G0) < 0.02
    assert opt.state['fdm']['num_evaluations'] == 20001  # f(x) once, shared by all samples


@pytest.mark.parametrize(
    ('kwargs', 'expected'),
    [
        ({'formula': 'forward', 'n_samples': 3}, 4),
        ({'formula': 'central', 'n_samples': 3}, 7),
        ({'formula': 'central', 'n_samples': 3, 'return_approx_loss': True}, 6),
        ({'formula': 'central4', 'n_samples': 2}, 9),
    ],
)
def test_evaluation_counts(kwargs, expected):
    x = torch.nn.Parameter(X0.clone())
    calls = {'n': 0}

    def closure(backward=True):
        calls['n'] += 1
        return quadratic_loss([x])

    opt = RandomizedFDM(torch.optim.SGD([x], lr=0.1), seed=0, **kwargs)
    loss = opt.step(closure)
    assert calls['n'] == expected == opt.state['fdm']['num_evaluations']
    if not kwargs.get('return_approx_loss'):
        assert float(loss) == float(quadratic_loss([X0]))


def run(opt_factory, steps, state=None):
    gen = torch.Generator().manual_seed(1)
    params = [torch.nn.Parameter(torch.randn(5, generator=gen, dtype=torch.float64)) for _ in range(2)]
    opt = opt_factory(params)
    closure = make_closure(multi_tensor_loss, params)
    if state is not None:
        with torch.no_grad():
            for p, v in zip(params, state[0]):
                p.copy_(v)
        opt.load_state_dict(state[1])
    for _ in range(steps):
        opt.step(closure)
    return [p.detach().clone() for p in params], opt


@pytest.mark.parametrize('key', ['spsa', 'rdsa', 'mezo', 'gaussian_smoothing', 'randomizedfdm'])
def test_resume_is_bit_identical(key):
    def factory(params, seed=3):
        return load_wrapper(key)(torch.optim.Adam(params, lr=1e-2), n_samples=2, seed=seed)

    full, _ = run(factory, 6)
    half, opt = run(factory, 3)
    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert state['state']['fdm']['rng_state'].dtype == torch.uint8
    resumed, _ = run(lambda p: factory(p, seed=99), 3, state=(half, state))
    for a, b in zip(full, resumed):
        assert torch.equal(a, b)
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert torch.equal(clone.state['fdm']['rng_state'], opt.state['fdm']['rng_state'])


def test_same_seed_same_run_and_global_seed_reproducible():
    a, _ = run(lambda p: RandomizedFDM(torch.optim.SGD(p, lr=0.1), seed=4), 3)
    b, _ = run(lambda p: RandomizedFDM(torch.optim.SGD(p, lr=0.1), seed=4), 3)
    c, _ = run(lambda p: RandomizedFDM(torch.optim.SGD(p, lr=0.1), seed=5), 3)
    assert all(torch.equal(x, y) for x, y in zip(a, b)) and not torch.equal(a[0], c[0])
    torch.manual_seed(0)
    d, _ = run(lambda p: RandomizedFDM(torch.optim.SGD(p, lr=0.1)), 3)
    torch.manual_seed(0)
    e, _ = run(lambda p: RandomizedFDM(torch.optim.SGD(p, lr=0.1)), 3)
    assert all(torch.equal(x, y) for x, y in zip(d, e))


def test_mezo_regenerates_instead_of_storing():
    """MeZO = RDSA computed without a stored direction or weight copy (equal up to perturbation rounding)."""
    mezo, opt = run(lambda p: load_wrapper('mezo')(torch.optim.SGD(p, lr=0.05), seed=8), 5)
    rdsa, _ = run(lambda p: load_wrapper('rdsa')(torch.optim.SGD(p, lr=0.05), seed=8), 5)
    for a, b in zip(mezo, rdsa):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    assert opt.defaults['regenerate'] and set(opt.state) == {'fdm'}


def test_distributions_have_unit_scale():
    x = torch.nn.Parameter(torch.zeros(4000, dtype=torch.float64))
    y = torch.nn.Parameter(torch.zeros(3, 2, dtype=torch.float64))
    for distribution in ('rademacher', 'gaussian', 'uniform', 'sphere'):
        opt = RandomizedFDM(torch.optim.SGD([x, y], lr=0.1), distribution=distribution, seed=0)
        z = torch.cat([t.reshape(-1) for t in opt._directions([x, y], seed=123)])
        assert abs(z.square().mean().item() - 1.0) < 0.06, distribution
        if distribution == 'rademacher':
            assert set(z.unique().tolist()) == {-1.0, 1.0}
        if distribution == 'uniform':
            assert z.abs().max() <= math.sqrt(3)
        if distribution == 'sphere':
            torch.testing.assert_close(
                torch.linalg.vector_norm(z), torch.tensor(math.sqrt(4006.0), dtype=torch.float64)
            )


def test_complex_parameter_uses_real_view():
    """A complex parameter is perturbed as real pairs: central differences give z (z^T g) on its real view."""
    z = torch.nn.Parameter(torch.tensor([1.0 + 2.0j, -0.5j], dtype=torch.complex128))
    target = torch.tensor([0.5 - 1.0j, 2.0 + 0.0j], dtype=torch.complex128)

    def loss(ps):
        return (ps[0] - target).abs().square().sum()

    exact = z.detach().clone().requires_grad_(True)
    loss([exact]).backward()
    g = torch.view_as_real(exact.grad)
    opt = RandomizedFDM(torch.optim.SGD([z], lr=0.0), seed=2)
    opt.step(make_closure(loss, [z]))
    seed = torch.randint(0, 2**62, (1,), generator=torch.Generator().manual_seed(2)).item()
    (direction,) = reference_direction([(2, 2)], seed, 'rademacher')
    torch.testing.assert_close(torch.view_as_real(z.grad), direction * (direction * g).sum(), rtol=1e-9, atol=1e-9)
