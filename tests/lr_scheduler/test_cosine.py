import math

import pytest

from pytorch_optimizer import CosineScheduler, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def expected(t, T=12, W=4, peak=1.0, floor=0.1, init=0.2):
    if t < W:
        return init + (peak - init) * t / W
    if t >= T:
        return floor
    return floor + (peak - floor) * (1 + math.cos(math.pi * (t - W) / (T - W))) / 2


def test_sequence_by_hand():
    got = lr_sequence(CosineScheduler(make_optimizer(), 12, 1.0, min_lr=0.1, init_lr=0.2, warmup_steps=4), 16)
    # warm-up 0.2 -> 1.0 in quarters; the cosine midpoint (t = 8) is (max + min) / 2; the floor from t = 12
    assert_close([got[t] for t in (0, 1, 4, 8, 12, 15)], [[0.2], [0.4], [1.0], [0.55], [0.1], [0.1]])
    assert_close(got, [[expected(t)] for t in range(16)])


def test_resume():
    check_resume(lambda o: CosineScheduler(o, 25, 1.0, 0.05, warmup_steps=3))


def test_sequential():
    check_sequential(lambda o: CosineScheduler(o, 12, 1.0, 0.1, 0.2, 4), lambda t: [expected(t)])


def test_registry_and_validation():
    assert load_lr_scheduler('cosine') is CosineScheduler
    with pytest.raises(ValueError, match=r'CosineScheduler: t_max must be > 0, got 0'):
        CosineScheduler(make_optimizer(), 0, 1.0)
    with pytest.raises(TypeError, match=r"CosineScheduler: init_lr must be a real number, got '0.1'"):
        CosineScheduler(make_optimizer(), 3, 1.0, init_lr='0.1')
