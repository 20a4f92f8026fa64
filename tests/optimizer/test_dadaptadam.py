"""DAdaptAdam against its single-tensor reference, and D-Adaptation's monotone d estimate."""

import itertools

import pytest
import torch

from pytorch_optimizer.optimizer.dadaptadam import DAdaptAdam
from tests.optimizer.lrfree_utils import assert_d_non_decreasing_and_grows, backward, make_params
from tests.reference.dadaptadam import DAdaptAdamReference

FLAGS = [
    dict(zip(('weight_decouple', 'fixed_decay', 'bias_correction'), combo))
    for combo in itertools.product((False, True), repeat=3)
]


@pytest.mark.parametrize('flags', FLAGS, ids=str)
def test_matches_reference(flags):
    kwargs = dict(lr=1.0, d0=1e-3, growth_rate=1.5, weight_decay=0.05, **flags)
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, ref = DAdaptAdam(ours, **kwargs), DAdaptAdamReference(theirs, **kwargs)
    for _ in range(15):
        backward(ours)
        backward(theirs)
        opt.step()
        ref.step()
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-11, atol=1e-13)
        torch.testing.assert_close(opt.param_groups[0]['d'].item(), ref.d, rtol=1e-11, atol=0)
    assert ref.d > 1e-3  # the estimate moved, so the comparison exercised the adaptation


def test_d_is_non_decreasing_and_grows():
    assert_d_non_decreasing_and_grows(DAdaptAdam)
