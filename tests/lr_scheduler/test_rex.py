import pytest

from pytorch_optimizer import REXScheduler, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def expected(t, T=10, peak=1.0, floor=0.0):
    if t >= T:
        return floor
    z = t / T
    return floor + (peak - floor) * (1 - z) / (0.5 + 0.5 * (1 - z))


def test_sequence_by_hand():
    got = lr_sequence(REXScheduler(make_optimizer(), 4), 6)
    # (1 - z) / (1/2 + (1 - z)/2) at z = 0, 1/4, 1/2, 3/4: 1, 6/7, 2/3, 2/5
    assert_close(got, [[1.0], [6 / 7], [2 / 3], [0.4], [0.0], [0.0]])
    got = lr_sequence(REXScheduler(make_optimizer((0.1, 0.2)), 10, max_lr=[1.0, 2.0], min_lr=0.5), 12)
    assert_close(got, [[expected(t, floor=0.5), expected(t, peak=2.0, floor=0.5)] for t in range(12)])


def test_resume():
    check_resume(lambda o: REXScheduler(o, 25, 0.3, 0.01))


def test_sequential():
    check_sequential(lambda o: REXScheduler(o, 10), lambda t: [expected(t)])


def test_registry_and_validation():
    assert load_lr_scheduler('REX') is REXScheduler
    with pytest.raises(ValueError, match=r'REXScheduler: total_steps must be > 0, got 0'):
        REXScheduler(make_optimizer(), 0)
