import pytest
import torch

from pytorch_optimizer import AdaBelief, load_optimizer
from tests.optimizer.pilot_utils import compare
from tests.reference.adabelief import adabelief_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decouple': False},
    {'weight_decay': 0.1, 'fixed_decay': True},
    {'ams_bound': True},
    {'adam_debias': True},
    {'rectify': True},
    {'rectify': True, 'degenerated_to_sgd': False},
    {'rectify': True, 'n_sma_threshold': 4, 'ams_bound': True, 'adam_debias': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, 'betas': (0.9, 0.999), 'eps': 1e-10, **flags}
    compare(AdaBelief, adabelief_step, SHAPES, steps=15, opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_radabelief_variant_binds_rectify():
    factory = load_optimizer('radabelief')
    assert factory.func is AdaBelief and factory.keywords == {'rectify': True}
    opt = factory([torch.nn.Parameter(torch.zeros(2))])
    assert opt.defaults['rectify'] is True


def test_first_step_size_is_lr_over_sqrt_first_variance():
    """Step 1: m = (1-b1) g, s = b2*0 + (1-b2)(b1 g)^2 + eps: the step is lr*m_hat/(sqrt(s_hat)+eps)."""
    p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    g = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    p.grad = g.clone()
    AdaBelief([p], lr=0.1, betas=(0.9, 0.999), eps=0.0).step()
    expected = -0.1 * g / (0.9 * g.abs())  # m_hat = g, sqrt(s_hat) = |b1 g|
    torch.testing.assert_close(p.detach(), expected, rtol=1e-12, atol=0)
