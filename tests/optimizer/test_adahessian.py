import io

import pytest
import torch

from pytorch_optimizer import AdaHessian, MissingGraphError
from tests.reference.adahessian import adahessian_step

SHAPES = [(5, 4), (7,), (), (2, 3, 2, 2)]


def loss_of(params, k):
    """Separable: H is diagonal with entries (1 + i) + 1.2 x^2 - 0.3 sin(x + k)."""
    return sum((0.5 * (1 + i) * x**2 + 0.1 * x**4 + 0.3 * torch.sin(x + k)).sum() for i, x in enumerate(params))


def grad_of(x, i, k):
    return (1 + i) * x + 0.4 * x**3 + 0.3 * torch.cos(x + k)


def hess_of(x, i, k):
    return (1 + i) + 1.2 * x**2 - 0.3 * torch.sin(x + k)


def replay_probes(gen, shapes, n_samples, distribution):
    """The probes the optimizer draws: per sample, one per parameter in order, from one generator."""
    draws = []
    for _ in range(n_samples):
        if distribution == 'rademacher':
            draws.append([(2 * torch.randint(0, 2, s, generator=gen) - 1).double() for s in shapes])
        else:
            draws.append([torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes])
    return draws


def make_params(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]


def trajectory_vs_reference(opt_cls, ref_step, kwargs, ref_kwargs, steps=12):
    inits = make_params()
    params = [torch.nn.Parameter(x.clone()) for x in inits]
    refs = [x.clone() for x in inits]
    states = [{} for _ in refs]
    opt = opt_cls(params, **kwargs)
    gen = torch.Generator().manual_seed(kwargs.get('seed', 0))
    period, n = kwargs.get('update_period', opt.defaults['update_period']), kwargs.get('num_samples', 1)
    for k in range(steps):
        opt.zero_grad()
        loss_of(params, k).backward(create_graph=True)
        opt.step()
        diags = [None] * len(refs)
        if k % period == 0:
            draws = replay_probes(gen, [r.shape for r in refs], n, opt.defaults['hessian_distribution'])
            diags = [sum(d[i] ** 2 for d in draws) / n * hess_of(r, i, k) for i, r in enumerate(refs)]
        for i, (r, s) in enumerate(zip(refs, states)):
            ref_step(r, grad_of(r, i, k), diags[i], s, **ref_kwargs)
        for i, (p, r) in enumerate(zip(params, refs)):
            torch.testing.assert_close(
                p.detach(), r, rtol=1e-11, atol=1e-12, msg=lambda m, i=i, k=k: f'step {k} param {i}: {m}'
            )
    return opt, params


FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1, 'fixed_decay': True},
    {'hessian_power': 0.5},
    {'adam_debias': True},
    {'update_period': 3, 'hessian_distribution': 'gaussian'},
    {'num_samples': 3, 'hessian_distribution': 'gaussian', 'seed': 7},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 0.05, 'betas': (0.9, 0.99), 'eps': 1e-8, **flags}
    ref_kwargs = {
        k: v for k, v in kwargs.items() if k not in ('update_period', 'num_samples', 'hessian_distribution', 'seed')
    }
    trajectory_vs_reference(AdaHessian, adahessian_step, kwargs, ref_kwargs)


def test_one_step_on_a_diagonal_quadratic_is_newton():
    """Rademacher Hutchinson is exact for a diagonal Hessian: with beta = 0 and k = 1 the step is H^-1 g."""
    scale = torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)
    x = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64))
    opt = AdaHessian([x], lr=1.0, betas=(0.0, 0.0), eps=0.0)
    (0.5 * scale * (x - 0.5) ** 2).sum().backward(create_graph=True)
    opt.step()
    torch.testing.assert_close(x.detach(), torch.full((3,), 0.5, dtype=torch.float64), rtol=0, atol=1e-15)


def test_missing_graph_is_a_clear_error():
    x = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = AdaHessian([x])
    (x**4).sum().backward()
    with pytest.raises(MissingGraphError, match=r'AdaHessian.*create_graph=True'):
        opt.step()


def test_resume_is_bit_identical_and_generator_state_is_a_tensor():
    kwargs = {'lr': 0.05, 'update_period': 2, 'hessian_distribution': 'gaussian', 'seed': 3}
    full = [torch.nn.Parameter(x) for x in make_params()]
    part = [torch.nn.Parameter(x) for x in make_params()]
    opt_full, opt_part = AdaHessian(full, **kwargs), AdaHessian(part, **kwargs)
    for k in range(8):
        for opt, ps in ((opt_full, full), (opt_part, part)):
            if k < 5 or opt is opt_full:
                opt.zero_grad()
                loss_of(ps, k).backward(create_graph=True)
                opt.step()
        if k == 4:
            buffer = io.BytesIO()
            torch.save(opt_part.state_dict(), buffer)
            buffer.seek(0)
            state = torch.load(buffer, weights_only=True)
            assert state['state']['hutchinson_generators']['cpu'].dtype == torch.uint8
            part = [torch.nn.Parameter(p.detach().clone()) for p in part]
            opt_part = AdaHessian(part, **kwargs)
            opt_part.load_state_dict(state)
            for j in range(5, 8):
                opt_part.zero_grad()
                loss_of(part, j).backward(create_graph=True)
                opt_part.step()
    for a, b in zip(full, part):
        assert torch.equal(a.detach(), b.detach())
