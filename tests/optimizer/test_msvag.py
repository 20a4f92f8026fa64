import pytest
import torch

from pytorch_optimizer import MSVAG
from tests.optimizer.pilot_utils import compare
from tests.reference.msvag import msvag_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]


@pytest.mark.parametrize('flags', [{}, {'beta': 0.5}, {'beta': 0.0}, {'lr': 0.1, 'beta': 0.99}], ids=str)
def test_matches_reference(flags):
    compare(MSVAG, msvag_step, SHAPES, opt_kwargs=flags, ref_kwargs=flags)


def test_pure_noise_is_damped_and_constant_gradient_is_not():
    # gamma = m^2 / (m^2 + rho s): a constant gradient has s = 0 (full step), zero-mean noise a small gamma
    torch.manual_seed(0)
    moves = []
    for noise in (False, True):
        p = torch.nn.Parameter(torch.zeros(1000, dtype=torch.float64))
        opt = MSVAG([p], lr=1.0, beta=0.9)
        for _ in range(30):
            before = p.detach().clone()
            p.grad = torch.randn(1000, dtype=torch.float64) if noise else torch.ones(1000, dtype=torch.float64)
            opt.step()
        moves.append((p.detach() - before).abs().mean().item())
    assert moves[0] == pytest.approx(1.0, rel=1e-9)
    assert moves[1] < 0.2 * moves[0]
