import pytest
import torch

from pytorch_optimizer import AdaShift
from tests.optimizer.pilot_utils import compare, grad_fn
from tests.reference.adashift import adashift_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [{}, {'reduce_func': None}, {'keep_num': 1}, {'keep_num': 3, 'betas': (0.5, 0.9), 'reduce_func': 'none'}]


@pytest.mark.parametrize('flags', FLAGS, ids=str)
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, 'keep_num': 4, **flags}
    ref = {**kwargs, 'reduce_func': 'max' if kwargs.get('reduce_func', 'max') == 'max' else 'none'}
    compare(AdaShift, adashift_step, SHAPES, steps=20, opt_kwargs=kwargs, ref_kwargs=ref)


def test_torch_max_accepted_and_no_step_while_filling():
    p = torch.nn.Parameter(torch.randn(6, dtype=torch.float64))
    start = p.detach().clone()
    opt = AdaShift([p], keep_num=3, reduce_func=torch.max)
    assert opt.param_groups[0]['reduce_func'] == 'max'
    for k in range(3):
        p.grad = grad_fn(p.detach(), k)
        opt.step()
        assert torch.equal(p.detach(), start)
    p.grad = grad_fn(p.detach(), 3)
    opt.step()
    assert not torch.equal(p.detach(), start)


def test_second_moment_ignores_the_current_gradient():
    # the temporal shift: v_t depends on g_{t-n} only, so a huge current gradient cannot shrink its own step
    p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    opt = AdaShift([p], lr=1.0, keep_num=1, betas=(0.0, 0.9), reduce_func=None)
    for g in (1.0, 1.0, 1e6):
        before = p.detach().clone()
        p.grad = torch.full((3,), g, dtype=torch.float64)
        opt.step()
    assert ((before - p.detach()) > 1e5).all()
