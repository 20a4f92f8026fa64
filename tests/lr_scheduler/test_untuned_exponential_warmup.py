import math

import pytest
import torch
from torch.optim.lr_scheduler import StepLR

from pytorch_optimizer import UntunedExponentialWarmup, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def adam(lrs=(0.1,), beta2=0.9):
    return make_optimizer(lrs, cls=torch.optim.AdamW, betas=(0.9, beta2))


def omega(t, beta2):
    # Ma & Yarats: omega_t = 1 - exp(-(1 - beta2) t), t = 1 for the first optimizer step
    return 1.0 - math.exp(-(1 - beta2) * t)


def test_sequence_by_hand():
    got = lr_sequence(UntunedExponentialWarmup(adam((1.0,), beta2=0.5)), 3)
    assert_close(got, [[1 - math.exp(-0.5)], [1 - math.exp(-1.0)], [1 - math.exp(-1.5)]])
    got = lr_sequence(UntunedExponentialWarmup(adam((0.1, 1.0))), 40)
    assert_close(got, [[0.1 * omega(t + 1, 0.9), omega(t + 1, 0.9)] for t in range(40)])


def test_wraps_another_scheduler():
    optimizer = adam()
    got = lr_sequence(UntunedExponentialWarmup(optimizer, StepLR(optimizer, step_size=4, gamma=0.5)), 20)
    assert_close(got, [[0.1 * 0.5 ** (t // 4) * omega(t + 1, 0.9)] for t in range(20)])


def test_resume():
    check_resume(
        lambda o: UntunedExponentialWarmup(o, StepLR(o, 5, 0.5)), k=11, cls=torch.optim.AdamW, betas=(0.9, 0.9)
    )


def test_sequential():
    check_sequential(
        UntunedExponentialWarmup, lambda t: [0.1 * omega(t + 1, 0.9)], cls=torch.optim.AdamW, betas=(0.9, 0.9)
    )


def test_registry_and_validation():
    assert load_lr_scheduler('untuned_exponential_warmup') is UntunedExponentialWarmup
    with pytest.raises(ValueError, match=r'UntunedExponentialWarmup: warmup_period must be in \(0, inf\), got 0'):
        UntunedExponentialWarmup(adam(), warmup_period=0)
