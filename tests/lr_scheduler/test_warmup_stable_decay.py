import math

import pytest

from pytorch_optimizer import WarmupStableDecayScheduler, load_lr_scheduler
from pytorch_optimizer.lr_scheduler.warmup_stable_decay import get_wsd_schedule
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer

SHAPES = {
    'linear': lambda p, c: 1 - p,
    '1-sqrt': lambda p, c: 1 - math.sqrt(p),
    '1-square': lambda p, c: 1 - p * p,
    'cosine': lambda p, c: (1 + math.cos(2 * math.pi * c * p)) / 2,
}


def expected(t, cooldown, W=2, S=3, D=4, r=0.1, c=0.5):
    if t < W:
        return t / W
    if t < W + S:
        return 1.0
    if t >= W + S + D:
        return r
    return r + (1 - r) * SHAPES[cooldown]((t - W - S) / D, c)


@pytest.mark.parametrize('cooldown', list(SHAPES))
def test_sequence_by_hand(cooldown):
    sched = get_wsd_schedule(make_optimizer((2.0, 1.0)), 2, 3, 4, min_lr_ratio=0.1, cooldown_type=cooldown)
    assert isinstance(sched, WarmupStableDecayScheduler)
    got = lr_sequence(sched, 12)
    assert_close(got, [[2 * expected(t, cooldown), expected(t, cooldown)] for t in range(12)])
    assert_close([got[t][1:] for t in (0, 1, 2, 4)], [[0.0], [0.5], [1.0], [1.0]])


def test_literal_values():
    # 1-sqrt, no floor: D = 4 gives 1 - sqrt(1/4) = 0.5 at the second cool-down step
    got = lr_sequence(WarmupStableDecayScheduler(make_optimizer((1.0,)), 0, 1, 4), 6)
    assert_close(got, [[1.0], [1.0], [0.5], [1 - math.sqrt(0.5)], [1 - math.sqrt(0.75)], [0.0]])
    got = lr_sequence(
        WarmupStableDecayScheduler(make_optimizer((1.0,)), 0, 0, 2, num_cycles=1.0, cooldown_type='cosine'), 3
    )
    assert_close(got, [[1.0], [0.0], [0.0]])


def test_resume():
    check_resume(lambda o: WarmupStableDecayScheduler(o, 5, 10, 15, 0.05, cooldown_type='cosine'), n=40, k=17)


def test_sequential():
    check_sequential(
        lambda o: WarmupStableDecayScheduler(o, 2, 3, 4, 0.1, cooldown_type='1-square'),
        lambda t: [0.1 * expected(t, '1-square')],
    )


def test_registry_and_validation():
    assert load_lr_scheduler('warmup_stable_decay') is WarmupStableDecayScheduler
    with pytest.raises(ValueError, match=r"WarmupStableDecayScheduler: cooldown_type must be one of .*, got 'sqrt'"):
        WarmupStableDecayScheduler(make_optimizer(), 1, 1, 1, cooldown_type='sqrt')
    with pytest.raises(ValueError, match=r'WarmupStableDecayScheduler: min_lr_ratio must be in \[0, 1\], got 1.5'):
        WarmupStableDecayScheduler(make_optimizer(), 1, 1, 1, min_lr_ratio=1.5)
    with pytest.raises(ValueError, match=r'WarmupStableDecayScheduler: num_decay_steps must be >= 0, got -1'):
        WarmupStableDecayScheduler(make_optimizer(), 1, 1, -1)
