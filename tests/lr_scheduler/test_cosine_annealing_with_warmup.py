import math

import pytest

from pytorch_optimizer import CosineAnnealingWarmupRestarts, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def expected(t, first=10, mult=2.0, peak=1.0, floor=0.1, W=3, gamma=0.5):
    # walk the cycles one by one, as the definition reads
    length, cycle = first, 0
    while t >= length:
        t -= length
        cycle += 1
        length = W + int((length - W) * mult)
    top = peak * gamma**cycle
    if t < W:
        return floor + (top - floor) * t / W
    return floor + (top - floor) * (1 + math.cos(math.pi * (t - W) / (length - W))) / 2


def make(o):
    return CosineAnnealingWarmupRestarts(o, 10, cycle_mult=2.0, max_lr=1.0, min_lr=0.1, warmup_steps=3, gamma=0.5)


def test_sequence_by_hand():
    got = lr_sequence(make(make_optimizer()), 60)
    # cycle 0: 10 steps (3 warm-up), cycle 1: 3 + 14 = 17 steps, peak 0.5; cycle 2: 3 + 28 steps, peak 0.25
    assert_close([got[t] for t in (0, 1, 3, 10, 13, 27, 30)], [[0.1], [0.4], [1.0], [0.1], [0.5], [0.1], [0.25]])
    assert_close(got, [[expected(t)] for t in range(60)])


def test_constant_cycles_and_shrinking_cycles():
    sched = CosineAnnealingWarmupRestarts(make_optimizer(), 4, max_lr=1.0, min_lr=0.0, gamma=1.0)
    want = [[1.0], [(1 + math.cos(math.pi / 4)) / 2], [0.5], [(1 + math.cos(3 * math.pi / 4)) / 2]] * 3
    assert_close(lr_sequence(sched, 12), want)
    # cycle_mult < 1: lengths 8, 4, 2, 1, 1, ... (never below one post-warm-up step)
    sched = CosineAnnealingWarmupRestarts(make_optimizer(), 8, cycle_mult=0.5, max_lr=1.0, min_lr=0.0, gamma=0.5)
    got = lr_sequence(sched, 20)
    starts = [0, 8, 12, 14, 15, 16, 17]
    assert_close([got[s] for s in starts], [[0.5**c] for c in range(len(starts))])


def test_resume():
    check_resume(make, n=70, k=29)


def test_sequential():
    check_sequential(make, lambda t: [expected(t)])


def test_registry_and_validation():
    assert load_lr_scheduler('cosine_annealing_with_warmup') is CosineAnnealingWarmupRestarts
    with pytest.raises(ValueError, match=r'CosineAnnealingWarmupRestarts: warmup_steps must be < first_cycle_steps'):
        CosineAnnealingWarmupRestarts(make_optimizer(), 5, warmup_steps=5)
    with pytest.raises(ValueError, match=r'CosineAnnealingWarmupRestarts: gamma must be in \(0, inf\), got -0.1'):
        CosineAnnealingWarmupRestarts(make_optimizer(), 5, gamma=-0.1)
