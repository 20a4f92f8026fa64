import pytest
import torch
from torch.optim.lr_scheduler import ExponentialLR

from pytorch_optimizer import CosineScheduler, UntunedLinearWarmup, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def adam(lrs=(0.1,), beta2=0.9):
    return make_optimizer(lrs, cls=torch.optim.AdamW, betas=(0.9, beta2))


def omega(t, beta2):
    # Ma & Yarats: omega_t = min(1, (1 - beta2) / 2 * t), t = 1 for the first optimizer step
    return min(1.0, (1 - beta2) / 2 * t)


def test_sequence_by_hand():
    got = lr_sequence(UntunedLinearWarmup(adam((0.1, 1.0))), 25)
    # beta2 = 0.9: warm-up over 2 / 0.1 = 20 steps; the first step uses 1/20 of the LR
    assert_close(got[:2], [[0.005, 0.05], [0.01, 0.1]])
    assert_close(got, [[0.1 * omega(t + 1, 0.9), omega(t + 1, 0.9)] for t in range(25)])


def test_beta2_per_group_and_overrides():
    optimizer = torch.optim.Adam(
        [{'params': [torch.nn.Parameter(torch.zeros(1))], 'betas': (0.9, b)} for b in (0.9, 0.8)]
    )
    assert UntunedLinearWarmup(optimizer).warmup_periods == pytest.approx([20.0, 10.0])
    assert UntunedLinearWarmup(adam(), beta2=0.999).warmup_periods == pytest.approx([2000.0])
    assert UntunedLinearWarmup(adam(), warmup_period=7).warmup_periods == [7.0]


def test_wraps_another_scheduler():
    # closed-form inner (cosine) and chainable inner (ExponentialLR, which reads group['lr']): the inner
    # scheduler must see its own undampened LRs
    optimizer = adam()
    warm = UntunedLinearWarmup(optimizer, CosineScheduler(optimizer, 30, max_lr=1.0, min_lr=0.0))
    got = lr_sequence(warm, 30)
    inner = lr_sequence(CosineScheduler(adam(), 30, max_lr=1.0, min_lr=0.0), 30)
    assert_close(got, [[inner[t][0] * omega(t + 1, 0.9)] for t in range(30)])

    optimizer = adam()
    got = lr_sequence(UntunedLinearWarmup(optimizer, ExponentialLR(optimizer, gamma=0.9)), 30)
    assert_close(got, [[0.1 * 0.9**t * omega(t + 1, 0.9)] for t in range(30)])


def test_resume():
    check_resume(lambda o: UntunedLinearWarmup(o), k=7, cls=torch.optim.AdamW, betas=(0.9, 0.95))
    check_resume(
        lambda o: UntunedLinearWarmup(o, ExponentialLR(o, gamma=0.95)), k=9, cls=torch.optim.AdamW, betas=(0.9, 0.9)
    )


def test_sequential():
    check_sequential(UntunedLinearWarmup, lambda t: [0.1 * omega(t + 1, 0.9)], cls=torch.optim.AdamW, betas=(0.9, 0.9))


def test_registry_and_validation():
    assert load_lr_scheduler('untuned_linear_warmup') is UntunedLinearWarmup
    with pytest.raises(ValueError, match=r"UntunedLinearWarmup: param_groups\[0\] has no 'betas'"):
        UntunedLinearWarmup(make_optimizer())
    with pytest.raises(ValueError, match=r'UntunedLinearWarmup: beta2 must be in \[0, 1\), got 1.0'):
        UntunedLinearWarmup(make_optimizer(), beta2=1.0)
    with pytest.raises(ValueError, match=r'UntunedLinearWarmup: scheduler must drive the same optimizer'):
        UntunedLinearWarmup(adam(), ExponentialLR(adam(), 0.9))
    with pytest.raises(TypeError, match=r'UntunedLinearWarmup: scheduler must be an LRScheduler or None, got str'):
        UntunedLinearWarmup(adam(), 'cosine')
