import pytest
import torch

from pytorch_optimizer import NoClosureError, SubspaceNewton
from tests.optimizer.test_newton import quadratic, smooth
from tests.reference.newton import newton_step
from tests.reference.subspacenewton import common_directions, subspace_newton_step


def run(f, x0, steps, **kwargs):
    x = torch.nn.Parameter(x0.clone())
    opt = SubspaceNewton([x], **kwargs)
    path = []
    for _ in range(steps):
        opt.step(lambda backward=True: f(x))
        path.append(x.detach().clone())
    return path


X0 = torch.tensor([0.5, 0.5], dtype=torch.float64)


@pytest.mark.parametrize('sketch_type', ['orthonormal', 'rows', 'topk'])
def test_spec_z7_full_rank_sketch_is_newton(sketch_type):
    (x,) = run(quadratic, X0, 1, sketch_size=2, sketch_type=sketch_type)
    torch.testing.assert_close(x, torch.tensor([0.6, -0.8], dtype=torch.float64), rtol=0, atol=1e-12)
    x0 = torch.linspace(-1.0, 1.5, 5, dtype=torch.float64)
    path = run(smooth, x0, 5, sketch_size=5, sketch_type=sketch_type)
    ref = x0
    for x in path:
        ref = newton_step(smooth, ref)
        torch.testing.assert_close(x, ref, rtol=1e-10, atol=1e-12)


def test_spec_z7_common_directions_first_step_is_the_cauchy_step():
    (x,) = run(quadratic, X0, 1)
    torch.testing.assert_close(x, torch.tensor([0.146341, -0.384146], dtype=torch.float64), rtol=0, atol=1e-6)


@pytest.mark.parametrize('kwargs', [{'sketch_size': 2}, {'sketch_size': 3, 'damping': 0.2, 'lr': 0.8}])
def test_common_directions_matches_reference(kwargs):
    x0 = torch.linspace(-1.0, 1.5, 6, dtype=torch.float64)
    path = run(smooth, x0, 8, **kwargs)
    ref, history = x0, torch.zeros(6, 0, dtype=torch.float64)
    for x in path:
        history = common_directions(history, torch.autograd.functional.jacobian(smooth, ref), kwargs['sketch_size'])
        ref = subspace_newton_step(smooth, ref, history, lr=kwargs.get('lr', 1.0), damping=kwargs.get('damping', 0.0))
        torch.testing.assert_close(x, ref, rtol=1e-10, atol=1e-12)


def test_topk_sketch_matches_reference():
    x0 = torch.linspace(-1.0, 1.5, 6, dtype=torch.float64)
    path = run(smooth, x0, 6, sketch_size=2, sketch_type='topk')
    ref = x0
    for x in path:
        g = torch.autograd.functional.jacobian(smooth, ref)
        ref = subspace_newton_step(smooth, ref, torch.eye(6, dtype=torch.float64)[:, g.abs().topk(2).indices])
        torch.testing.assert_close(x, ref, rtol=1e-10, atol=1e-12)


def test_random_sketches_are_seeded_and_descend():
    x0 = torch.linspace(-1.0, 1.5, 8, dtype=torch.float64)
    for sketch_type in ('orthonormal', 'rademacher', 'rows'):
        a, b = run(smooth, x0, 5, sketch_size=3, sketch_type=sketch_type), run(
            smooth, x0, 5, sketch_size=3, sketch_type=sketch_type
        )
        c = run(smooth, x0, 5, sketch_size=3, sketch_type=sketch_type, seed=1)
        assert torch.equal(a[-1], b[-1]) and not torch.equal(a[-1], c[-1])
        assert smooth(a[-1]) < smooth(x0)


def test_requires_closure():
    with pytest.raises(NoClosureError, match='SubspaceNewton'):
        SubspaceNewton([torch.nn.Parameter(torch.ones(2))]).step()
