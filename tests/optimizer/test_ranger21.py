import pytest
import torch

from pytorch_optimizer import Ranger21
from tests.optimizer.pilot_utils import compare
from tests.reference.ranger21 import ranger21_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'use_softplus': False, 'normalize_gradients': False},
    {'centralize_gradients': False, 'beta0': 1.0, 'num_warm_up_iterations': 3, 'num_warm_down_iterations': 5},
    {'weight_decay': 0.1, 'weight_decouple': False, 'adam_debias': True},
    {'weight_decay': 0.1, 'fixed_decay': True, 'norm_loss_factor': 0.1, 'disable_lr_scheduler': True},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_matches_reference(flags, shape):
    # stable weight decay uses the mean of v_hat over the group: one tensor per optimizer
    kwargs = {'num_iterations': 12, 'lr': 1e-2, **flags}
    compare(Ranger21, ranger21_step, [shape], opt_kwargs=kwargs, ref_kwargs=kwargs)


def test_schedule_warm_up_flat_warm_down():
    group = Ranger21(
        [torch.nn.Parameter(torch.zeros(2))], num_iterations=100, lr=1.0, warm_down_min_lr=0.0
    ).param_groups[0]
    assert group['num_warm_up_iterations'] == 22  # ceil(2 / (1 - 0.999)) = 2000 > 45% of 100 -> 22%
    assert group['num_warm_down_iterations'] == 28
    lrs = [Ranger21.schedule(group, t) for t in range(1, 101)]
    assert lrs[10] == pytest.approx(11 / 22) and lrs[21] == 1.0 and lrs[71] == 1.0
    assert lrs[99] == 0.0 and lrs[85] == pytest.approx(1 - 14 / 28)


def test_requires_num_iterations():
    with pytest.raises(TypeError, match='num_iterations'):
        Ranger21([torch.nn.Parameter(torch.zeros(2))])
