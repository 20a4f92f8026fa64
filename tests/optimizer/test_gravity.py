import pytest
import torch

from pytorch_optimizer import Gravity
from tests.optimizer.pilot_utils import grad_fn
from tests.reference.gravity import gravity_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]


def initial_velocity(n, shape, lr, alpha, seed):
    """The documented draw: float64 normal from a CPU generator seeded with seed + n (n-th state)."""
    gen = torch.Generator().manual_seed(seed + n)
    return torch.randn(shape, generator=gen, dtype=torch.float64) * (alpha / lr)


@pytest.mark.parametrize('flags', [{}, {'alpha': 0.0}, {'beta': 0.5, 'seed': 7}, {'alpha': 0.1, 'beta': 1.0}], ids=str)
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, 'alpha': 0.01, 'beta': 0.9, 'seed': 0, **flags}
    gen = torch.Generator().manual_seed(0)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    params = [torch.nn.Parameter(x.clone()) for x in inits]
    refs = [x.clone() for x in inits]
    v0 = [initial_velocity(n, s, kwargs['lr'], kwargs['alpha'], kwargs['seed']) for n, s in enumerate(SHAPES, 1)]
    states = [{} for _ in refs]
    opt = Gravity(params, **kwargs)
    for k in range(12):
        for p in params:
            p.grad = grad_fn(p.detach(), k)
        grads = [grad_fn(r, k) for r in refs]
        opt.step()
        for r, g, s, v in zip(refs, grads, states, v0):
            gravity_step(r, g, s, lr=kwargs['lr'], v0=v, alpha=kwargs['alpha'], beta=kwargs['beta'])
        for p, r in zip(params, refs):
            torch.testing.assert_close(p.detach(), r, rtol=1e-12, atol=1e-13)


def test_step_is_bounded_by_the_inverse_max_gradient():
    # zeta = g / (1 + (g M)^2) peaks at |g| = 1/M with value 1/(2M): huge gradients give tiny steps
    p = torch.nn.Parameter(torch.zeros(100, dtype=torch.float64))
    p.grad = torch.linspace(-1e3, 1e3, 100, dtype=torch.float64)
    opt = Gravity([p], lr=1.0, alpha=0.0)
    opt.step()
    bound = 0.5 * 1.0 / (2 * 1e3)  # (1 - beta_hat_1) * lr / (2 max|g|), beta_hat_1 = 1/2
    assert p.detach().abs().max() <= bound * (1 + 1e-12)
