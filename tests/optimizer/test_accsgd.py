import pytest
import torch

from pytorch_optimizer import AccSGD
from tests.optimizer.pilot_utils import compare
from tests.reference.accsgd import accsgd_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [{}, {'kappa': 100.0, 'xi': 5.0, 'constant': 0.5}, {'weight_decay': 0.1}]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, **flags}
    compare(AccSGD, accsgd_step, SHAPES, steps=15, opt_kwargs=kwargs, ref_kwargs=kwargs, rtol=1e-10, atol=1e-12)


def test_accelerates_on_an_ill_conditioned_quadratic():
    # the paper's point: with the same short step, the coupled long step beats SGD when kappa ~ L/mu
    h = torch.logspace(-3, 0, 20, dtype=torch.float64)
    losses = []
    for cls, kwargs in ((AccSGD, {'kappa': 1000.0, 'xi': 10.0}), (torch.optim.SGD, {})):
        x = torch.nn.Parameter(torch.ones(20, dtype=torch.float64))
        opt = cls([x], lr=0.5, **kwargs)
        for _ in range(300):
            x.grad = h * x.detach()
            opt.step()
        losses.append(0.5 * (h * x.detach() ** 2).sum().item())
    assert losses[0] < 0.2 * losses[1], losses


def test_xi_constant_kappa_consistency():
    with pytest.raises(ValueError, match='AccSGD: xi'):
        AccSGD([torch.nn.Parameter(torch.zeros(2))], kappa=1.0, xi=10.0)
