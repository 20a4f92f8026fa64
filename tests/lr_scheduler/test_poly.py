import pytest

from pytorch_optimizer import PolyScheduler, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def expected(t, k=0.5, T=10, W=2, peak=1.0, floor=0.0):
    if t < W:
        return peak * t / W
    if t >= T:
        return floor
    return floor + (peak - floor) * (1 - (t - W) / (T - W)) ** k


def test_sequence_by_hand():
    got = lr_sequence(PolyScheduler(make_optimizer(), t_max=10, max_lr=1.0, warmup_steps=2), 12)
    # (1 - 6/8) ** 0.5 = 0.5 at t = 8, (1 - 4/8) ** 0.5 = sqrt(0.5) at t = 6
    assert_close([got[t] for t in (1, 2, 6, 8, 10)], [[0.5], [1.0], [0.5**0.5], [0.5], [0.0]])
    assert_close(got, [[expected(t)] for t in range(12)])


def test_order_two_is_quadratic():
    got = lr_sequence(PolyScheduler(make_optimizer(), 2.0, t_max=4, max_lr=2.0, min_lr=1.0), 5)
    assert_close(got, [[2.0], [1.5625], [1.25], [1.0625], [1.0]])


def test_resume():
    check_resume(lambda o: PolyScheduler(o, 0.9, t_max=30, max_lr=0.5, min_lr=0.01, warmup_steps=4))


def test_sequential():
    check_sequential(lambda o: PolyScheduler(o, t_max=10, max_lr=1.0, warmup_steps=2), lambda t: [expected(t)])


def test_registry_and_validation():
    assert load_lr_scheduler('poly') is PolyScheduler
    with pytest.raises(ValueError, match=r'PolyScheduler: poly_order must be in \(0, inf\), got 0'):
        PolyScheduler(make_optimizer(), 0, t_max=3, max_lr=1.0)
    with pytest.raises(TypeError):
        PolyScheduler(make_optimizer(), 0.5, 3, 1.0)  # t_max / max_lr are keyword-only, as in the older API
