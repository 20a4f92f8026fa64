import pytest
import torch

from pytorch_optimizer import MissingGraphError, SophiaH
from tests.optimizer.test_adahessian import loss_of, make_params, trajectory_vs_reference
from tests.reference.sophiah import sophiah_step

FLAGS = [
    {},
    {'update_period': 1},
    {'update_period': 4, 'hessian_distribution': 'rademacher'},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1, 'fixed_decay': True},
    {'num_samples': 2, 'seed': 11, 'p': 0.5},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 0.5, 'betas': (0.9, 0.95), 'eps': 1e-12, 'update_period': 3, **flags}
    ref_kwargs = {
        k: v
        for k, v in kwargs.items()
        if k not in ('update_period', 'num_samples', 'hessian_distribution', 'seed', 'p')
    }
    ref_kwargs['p_clip'] = kwargs.get('p', 1e-2)
    trajectory_vs_reference(SophiaH, sophiah_step, kwargs, ref_kwargs, steps=14)


def test_every_coordinate_moves_at_most_lr_times_p():
    """The clipped step: |Δθ_i| <= lr * p, with equality where |m/h| exceeds p (paper's Algorithm 3)."""
    params = [torch.nn.Parameter(x) for x in make_params()]
    opt = SophiaH(params, lr=0.5, p=0.01)
    for k in range(5):
        before = [p.detach().clone() for p in params]
        opt.zero_grad()
        loss_of(params, k).backward(create_graph=True)
        opt.step()
        for p, b in zip(params, before):
            assert ((p.detach() - b).abs() <= 0.5 * 0.01 * (1 + 1e-12)).all()
    assert any(
        torch.isclose((p.detach() - b).abs(), torch.tensor(0.005, dtype=torch.float64)).any()
        for p, b in zip(params, before)
    )


def test_unclipped_step_with_exact_curvature_is_newton():
    """β = 0, Rademacher probes on a diagonal quadratic and a large p: θ - lr * g / h = the minimizer."""
    scale = torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)
    x = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64))
    opt = SophiaH([x], lr=1.0, betas=(0.0, 0.0), p=1e6, hessian_distribution='rademacher')
    (0.5 * scale * (x - 0.5) ** 2).sum().backward(create_graph=True)
    opt.step()
    torch.testing.assert_close(x.detach(), torch.full((3,), 0.5, dtype=torch.float64), rtol=0, atol=1e-15)


def test_same_seed_same_trajectory_other_seed_differs():
    runs = []
    for seed in (0, 0, 1):
        params = [torch.nn.Parameter(x) for x in make_params()]
        opt = SophiaH(params, lr=0.5, p=0.5, update_period=1, seed=seed)
        for k in range(4):
            opt.zero_grad()
            loss_of(params, k).backward(create_graph=True)
            opt.step()
        runs.append(torch.cat([p.detach().reshape(-1) for p in params]))
    assert torch.equal(runs[0], runs[1]) and not torch.equal(runs[0], runs[2])


def test_missing_graph_is_a_clear_error():
    x = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = SophiaH([x])
    (x**4).sum().backward()
    with pytest.raises(MissingGraphError, match='SophiaH'):
        opt.step()
