import pytest
import torch

from pytorch_optimizer import AdaFactor
from tests.optimizer.pilot_utils import compare
from tests.reference.adafactor import adafactor_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'relative_step': False, 'scale_parameter': False, 'lr': 1e-2},
    {'betas': (0.0, 0.999), 'decay_rate': None},
    {'warmup_init': True, 'clip_threshold': 0.5},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'fixed_decay': True},
    {'weight_decay': 0.1, 'weight_decouple': False, 'ams_bound': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(map(str, f.values())) or 'default')
def test_matches_reference(flags):
    compare(AdaFactor, adafactor_step, SHAPES, opt_kwargs=flags, ref_kwargs=flags)


@pytest.mark.parametrize('momentum', [0.0, 0.9])
def test_second_moment_state_is_sublinear(momentum):
    p = torch.nn.Parameter(torch.randn(64, 32, dtype=torch.float64))
    opt = AdaFactor([p], betas=(momentum, 0.999))
    p.grad = torch.randn_like(p)
    opt.step()
    state = opt.state[p]
    second = state['exp_avg_sq_row'].numel() + state['exp_avg_sq_col'].numel()
    assert second == 64 + 32 < p.numel() // 10
    total = sum(v.numel() for v in state.values())
    assert total == second + (p.numel() if momentum else 0)


def test_factored_estimate_is_exact_for_rank_one_squares():
    # with beta2_1 = 0 the first V-hat equals g^2 + eps1 whenever g^2 is rank one (Sec. 3)
    p = torch.nn.Parameter(torch.ones(4, 3, dtype=torch.float64))
    opt = AdaFactor(
        [p], betas=(0.0, 0.999), relative_step=False, scale_parameter=False, lr=1.0, clip_threshold=1e9, eps1=0.0
    )
    u, v = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64), torch.tensor([1.0, -0.5, 2.0], dtype=torch.float64)
    p.grad = torch.outer(u, v)
    opt.step()
    torch.testing.assert_close(
        p.detach(), torch.ones(4, 3, dtype=torch.float64) - torch.sign(p.grad), rtol=1e-12, atol=1e-12
    )
