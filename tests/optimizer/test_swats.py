import pytest
import torch

from pytorch_optimizer.optimizer.swats import SWATS
from tests.optimizer.trajectory import compare
from tests.reference import swats as reference

# eps = 1e-1 makes the switch happen within the compared steps (checked below)
FLAGS = [{}, {'eps': 0.1}, {'eps': 0.1, 'nesterov': True, 'weight_decay': 0.1}]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(lambda p: SWATS(p, lr=0.05, **kwargs), lambda p: reference.SWATS(p, lr=0.05, **kwargs), steps=20)


def test_switches_to_sgd_with_the_estimated_rate():
    p = torch.nn.Parameter(torch.ones(4, dtype=torch.float64))
    opt = SWATS([p], lr=0.05, eps=0.1)
    for _ in range(20):
        p.grad = 2 * p.detach()
        opt.step()
    rate = opt.state[p]['sgd_lr']
    assert rate > 0, 'no switch to SGD'
    before = p.detach().clone()
    buffer = opt.state[p]['momentum_buffer'].clone()
    p.grad = 2 * p.detach()
    opt.step()
    torch.testing.assert_close(p.detach(), before - 0.1 * rate * (0.9 * buffer + p.grad))


@pytest.mark.parametrize('kwargs', FLAGS)
def test_masked_path_matches_the_cpu_path(kwargs, monkeypatch):
    """Accelerators take the masked update (no host reads); CPU reads each tensor's phase. Both give the
    reference trajectory: the masked one is forced here by pretending to compile."""
    monkeypatch.setattr(torch.compiler, 'is_compiling', lambda: True)
    compare(lambda p: SWATS(p, lr=0.05, **kwargs), lambda p: reference.SWATS(p, lr=0.05, **kwargs), steps=20)
