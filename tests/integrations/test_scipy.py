"""ScipyMinimize: one full scipy.optimize.minimize per step, autograd gradients and HVPs over every tensor."""

import sys

import pytest
import torch

pytest.importorskip('scipy', reason='the scipy extra is not installed: pip install "pytorch_optimizer[scipy]"')

from pytorch_optimizer import NoClosureError
from pytorch_optimizer.integrations.scipy import ScipyMinimize, import_scipy_optimize


def rosenbrock_problem(dtype_y=torch.float64):
    """Rosenbrock split over two tensors in two groups: x is 0-d, y is 1-d (standard start (-1.2, 1))."""
    x = torch.nn.Parameter(torch.tensor(-1.2, dtype=torch.float64))
    y = torch.nn.Parameter(torch.tensor([1.0], dtype=dtype_y))
    return x, y, lambda: (1 - x) ** 2 + 100 * (y[0] - x**2) ** 2


def make_closure(opt, loss_fn, counter=None):
    def closure(backward=True):
        loss = loss_fn()
        if backward:
            if counter is not None:
                counter['backward'] += 1
            opt.zero_grad()
            loss.backward()
        return loss

    return closure


@pytest.mark.parametrize('method', ['L-BFGS-B', 'trust-krylov', 'trust-ncg', 'newton-cg', 'trust-exact', 'dogleg'])
def test_reaches_rosenbrock_minimum_multi_tensor(method):
    x, y, loss_fn = rosenbrock_problem()
    opt = ScipyMinimize([{'params': [x]}, {'params': [y]}], method=method, tol=1e-14)
    fun = opt.step(make_closure(opt, loss_fn))
    assert abs(x.item() - 1) < 1e-6 and abs(y.item() - 1) < 1e-6, opt.state["scipy"]
    assert fun < 1e-10 and isinstance(fun, float)
    assert opt.state['scipy']['nfev'] > 0


def test_hessian_vector_products_cover_every_tensor():
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(3, dtype=torch.float64))
    v = torch.nn.Parameter(torch.randn(2, 2, dtype=torch.float64))

    def loss_fn():
        return (w.sum() * v**2).sum() + torch.sin(w).prod() + (v @ v).trace() ** 2

    opt = ScipyMinimize([w, v], method='trust-krylov')
    x = opt._flat([w, v], [w, v])

    def flat_loss(z):
        w_, v_ = z[:3], z[3:].view(2, 2)
        return (w_.sum() * v_**2).sum() + torch.sin(w_).prod() + (v_ @ v_).trace() ** 2

    dense = torch.autograd.functional.hessian(flat_loss, torch.from_numpy(x))
    vector = torch.randn(7, dtype=torch.float64)
    closure = make_closure(opt, loss_fn)
    hv = opt._hvp(closure, [w, v], x, [vector.numpy()])[0]
    torch.testing.assert_close(torch.from_numpy(hv), dense @ vector, rtol=1e-10, atol=1e-10)
    full = opt._hvp(closure, [w, v], x, list(torch.eye(7, dtype=torch.float64).numpy()))
    torch.testing.assert_close(torch.from_numpy(full), dense, rtol=1e-10, atol=1e-10)


def test_bounds_per_group():
    a = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    b = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    opt = ScipyMinimize([{'params': [a], 'ub': 1.0}, {'params': [b]}], method='L-BFGS-B', lb=-0.5)
    opt.step(make_closure(opt, lambda: ((a - 3) ** 2).sum() + ((b + 2) ** 2).sum()))
    torch.testing.assert_close(a.detach(), torch.ones(3, dtype=torch.float64))
    torch.testing.assert_close(b.detach(), torch.full((2,), -0.5, dtype=torch.float64))
    assert ScipyMinimize([a])._bounds([a]) is None


def test_gradient_free_method_never_runs_backward():
    x, y, loss_fn = rosenbrock_problem(torch.float32)
    counter = {'backward': 0}
    opt = ScipyMinimize([x, y], method='Nelder-Mead', options={'xatol': 1e-10, 'fatol': 1e-14, 'maxiter': 4000})
    opt.step(make_closure(opt, loss_fn, counter))
    assert counter['backward'] == 0
    assert abs(x.item() - 1) < 1e-3 and y.dtype == torch.float32


def test_complex_parameter_as_real_pairs():
    z = torch.nn.Parameter(torch.tensor([1.0 + 1.0j], dtype=torch.complex128))
    target = torch.tensor([2.0 - 3.0j], dtype=torch.complex128)
    opt = ScipyMinimize([z], method='BFGS')
    opt.step(make_closure(opt, lambda: (z - target).abs().square().sum()))
    torch.testing.assert_close(z.detach(), target, rtol=0, atol=1e-6)


def test_errors():
    x, _, _ = rosenbrock_problem()
    with pytest.raises(NoClosureError, match='ScipyMinimize requires a closure'):
        ScipyMinimize([x]).step()
    with pytest.raises(ValueError, match="ScipyMinimize: method must be one of"):
        ScipyMinimize([x], method='lbfgs')
    with pytest.raises(TypeError, match='ScipyMinimize: lb must be a real number'):
        ScipyMinimize([x], lb='0')
    with pytest.raises(ValueError, match='ScipyMinimize: jac must be one of'):
        ScipyMinimize([x], jac='forward')


def test_missing_scipy_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, 'scipy.optimize', None)
    with pytest.raises(ImportError, match=r'ScipyMinimize needs scipy: pip install "pytorch_optimizer\[scipy\]"'):
        import_scipy_optimize('ScipyMinimize')


def test_state_dict_loads_with_weights_only_and_deepcopy_keeps_settings():
    import copy
    import io

    x, y, loss_fn = rosenbrock_problem()
    opt = ScipyMinimize([x, y], method='L-BFGS-B', callback=lambda xk: None, options={'maxiter': 3})
    opt.step(make_closure(opt, loss_fn))
    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    buffer.seek(0)
    fresh = ScipyMinimize([x, y], method='L-BFGS-B')
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert fresh.state['scipy']['nit'] == opt.state['scipy']['nit'] <= 3
    assert copy.deepcopy(opt).settings['options'] == {'maxiter': 3}
