import pytest
import torch

from pytorch_optimizer.optimizer.qhadam import QHAdam
from tests.optimizer.trajectory import TorchReference, compare
from tests.reference.qhadam import QHAdam as Reference

FLAGS = [{}, {'nus': (0.7, 1.0), 'betas': (0.995, 0.999)}, {'nus': (0.3, 0.6), 'weight_decay': 0.1}]


@pytest.mark.parametrize('kwargs', FLAGS)
def test_matches_reference(kwargs):
    compare(lambda p: QHAdam(p, lr=0.05, **kwargs), lambda p: Reference(p, lr=0.05, **kwargs))


def test_unit_nus_is_adam():
    compare(lambda p: QHAdam(p, lr=0.05), lambda p: TorchReference(torch.optim.Adam, p, lr=0.05), tol=1e-13)


def test_bad_nus_raise():
    p = [torch.nn.Parameter(torch.ones(2))]
    with pytest.raises(ValueError, match=r'QHAdam: nus\[0\]'):
        QHAdam(p, nus=(1.5, 1.0))
    with pytest.raises(ValueError, match='QHAdam: nus'):
        QHAdam(p, nus=(1.0,))
