import pytest
import torch

from pytorch_optimizer import SGDP
from tests.optimizer.pilot_utils import compare
from tests.reference.sgdp import sgdp_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'momentum': 0.9},
    {'momentum': 0.9, 'nesterov': True},
    {'momentum': 0.9, 'dampening': 0.2, 'weight_decay': 0.1},
    {'momentum': 0.9, 'weight_decay': 0.1, 'delta': 10.0},
    {'momentum': 0.9, 'weight_decay': 0.1, 'fixed_decay': True, 'delta': 10.0},
    {'momentum': 0.5, 'weight_decay': 0.1, 'weight_decouple': False, 'delta': 10.0},
    {'dampening': 0.5, 'nesterov': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(SGDP, sgdp_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_update_has_no_radial_component_on_scale_invariant_weights():
    # f(W) = loss(W / ||W_row||) is scale invariant per row: its gradient is orthogonal to every row,
    # and the projection removes the radial part that the momentum buffer carries from older steps.
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(4, 6, dtype=torch.float64))
    target = torch.randn(4, 6, dtype=torch.float64)
    opt = SGDP([w], lr=0.1, momentum=0.9, delta=0.1, eps=1e-15)  # eps shifts the unit vector by eps/|w|
    for _ in range(10):
        opt.zero_grad()
        ((w / w.norm(dim=1, keepdim=True) - target) ** 2).sum().backward()
        before = w.detach().clone()
        opt.step()
        radial = ((w.detach() - before) * before).sum(dim=1)
        torch.testing.assert_close(radial, torch.zeros(4, dtype=torch.float64), rtol=0, atol=1e-12)


@pytest.mark.parametrize('masked', [False, True], ids=['cpu', 'masked'])
def test_layer_view_projection_matches_reference(masked, monkeypatch):
    from tests.optimizer.layer_view import layer_orthogonal_run

    if masked:  # the accelerator path (a mask, no host read)
        monkeypatch.setattr(torch.compiler, 'is_compiling', lambda: True)
    layer_orthogonal_run(SGDP, sgdp_step, {'lr': 1e-2, 'weight_decay': 0.1, 'momentum': 0.9})
