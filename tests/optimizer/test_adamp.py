import pytest
import torch

from pytorch_optimizer import AdamP
from tests.optimizer.pilot_utils import compare
from tests.reference.adamp import adamp_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2), (1, 6)]
FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1, 'fixed_decay': True},
    {'nesterov': True},
    {'adam_debias': True},
    {'delta': 2.0, 'weight_decay': 0.1},  # projection active on most tensors
    {'delta': 0.3, 'wd_ratio': 0.5, 'weight_decay': 0.1, 'nesterov': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, 'betas': (0.9, 0.999), 'eps': 1e-8, **flags}
    compare(AdamP, adamp_step, SHAPES, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_equals_torch_adamw_without_projection():
    """On 1-d tensors AdamP never projects: it is AdamW."""
    init = torch.randn(10, dtype=torch.float64)
    a, b = torch.nn.Parameter(init.clone()), torch.nn.Parameter(init.clone())
    opt_a = AdamP([a], lr=1e-2, weight_decay=0.1)
    opt_b = torch.optim.AdamW([b], lr=1e-2, weight_decay=0.1)
    for k in range(10):
        g = torch.sin(a.detach() + k)
        a.grad, b.grad = g.clone(), g.clone()
        opt_a.step()
        opt_b.step()
    torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-12, atol=1e-14)


def test_projected_update_is_orthogonal_to_the_weights():
    """With the projection active (gradient orthogonal to each channel), the step keeps channel norms to 2nd order."""
    torch.manual_seed(0)
    w = torch.randn(4, 8, dtype=torch.float64)
    g = torch.randn(4, 8, dtype=torch.float64)
    g -= (g * w).sum(1, keepdim=True) / (w * w).sum(1, keepdim=True) * w  # scale-invariant weights: g ⟂ w
    p = torch.nn.Parameter(w.clone())
    p.grad = g
    AdamP([p], lr=1e-3).step()
    delta = p.detach() - w
    radial = (delta * w).sum(1).abs() / (delta.norm(dim=1) * w.norm(dim=1))
    assert (radial < 1e-7).all(), radial  # only eps in the unit-vector normalization keeps it from 0
    assert (delta.norm(dim=1) > 1e-4).all()


@pytest.mark.parametrize('masked', [False, True], ids=['cpu', 'masked'])
def test_layer_view_projection_matches_reference(masked, monkeypatch):
    from tests.optimizer.layer_view import layer_orthogonal_run

    if masked:  # the accelerator path (a mask, no host read)
        monkeypatch.setattr(torch.compiler, 'is_compiling', lambda: True)
    layer_orthogonal_run(AdamP, adamp_step, {'lr': 1e-2, 'betas': (0.9, 0.999), 'eps': 1e-8, 'weight_decay': 0.1})
