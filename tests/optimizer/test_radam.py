import pytest
import torch

from pytorch_optimizer.optimizer.radam import RAdam
from tests.optimizer.trajectory import TorchReference, compare
from tests.reference.radam import RAdam as Reference

FLAGS = [
    {},
    {'degenerated_to_sgd': True},
    {'weight_decay': 0.1, 'weight_decouple': False, 'degenerated_to_sgd': True},
    {'weight_decay': 0.1, 'n_sma_threshold': 4},
]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(lambda p: RAdam(p, lr=0.02, **kwargs), lambda p: Reference(p, lr=0.02, **kwargs), steps=15)


@pytest.mark.parametrize('decoupled', [False, True])
def test_matches_torch_radam(decoupled):
    ours = {'weight_decay': 0.1, 'weight_decouple': decoupled, 'degenerated_to_sgd': True}
    theirs = {'weight_decay': 0.1, 'decoupled_weight_decay': decoupled}
    compare(
        lambda p: RAdam(p, lr=0.02, **ours),
        lambda p: TorchReference(torch.optim.RAdam, p, lr=0.02, **theirs),
        steps=15,
        tol=1e-13,
    )


def test_no_step_while_variance_is_intractable():
    # rho_t < 5 for the first steps with beta2 = 0.999: without degenerated_to_sgd nothing moves
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = RAdam([p], lr=0.1)
    for _ in range(5):
        p.grad = torch.ones(3, dtype=torch.float64)
        opt.step()
    torch.testing.assert_close(p.detach(), torch.ones(3, dtype=torch.float64), rtol=0, atol=0)
    p.grad = torch.ones(3, dtype=torch.float64)
    opt.step()
    assert (p.detach() < 1).all()
