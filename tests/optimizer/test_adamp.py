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


@pytest.mark.parametrize('cls', ['AdamP', 'SGDP'])
@pytest.mark.parametrize('delta', [2.0, 0.1, 1e-4])
def test_stacked_projection_matches_per_matrix(cls, delta, monkeypatch):
    """Off CPU same-shaped matrices are projected as one stack: forced here on CPU (every matrix takes the
    masked test, as off CPU), against one matrix at a time."""
    import importlib

    import pytorch_optimizer as po
    from pytorch_optimizer.base import functional as F
    from pytorch_optimizer.optimizer import _projection

    chunks = F.shape_chunks
    module = importlib.import_module(f'pytorch_optimizer.optimizer.{cls.lower()}')
    views = _projection._views
    monkeypatch.setattr(
        module, '_views', lambda ps, *a: ['test' if p.dim() > 1 else v for p, v in zip(ps, views(ps, *a))]
    )
    shapes = [(5, 4)] * 4 + [(3, 2, 2)] * 3 + [(7,)]
    gen = torch.Generator().manual_seed(0)
    init = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes]
    grads = [[torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes] for _ in range(6)]
    results = []
    for limit in (1, 3):
        monkeypatch.setattr(F, 'shape_chunks', lambda ts, per_stack=None, limit=limit: chunks(ts, limit))
        params = [torch.nn.Parameter(x.clone()) for x in init]
        opt = getattr(po, cls)(
            params, lr=1e-2, delta=delta, weight_decay=0.1, **({'momentum': 0.9} if cls == 'SGDP' else {})
        )
        for step in grads:
            for p, g in zip(params, step):
                p.grad = g.clone()
            opt.step()
        results.append(params)
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-15)
