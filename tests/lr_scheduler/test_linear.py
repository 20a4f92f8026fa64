import pytest
import torch

from pytorch_optimizer import LinearScheduler, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def expected(t, T=10, W=2, peak=1.0, floor=0.1, init=0.0):
    # the definition, written out: linear warm-up, linear decay, floor
    if t < W:
        return init + (peak - init) * t / W
    if t >= T:
        return floor
    return peak - (peak - floor) * (t - W) / (T - W)


def test_sequence_by_hand():
    got = lr_sequence(LinearScheduler(make_optimizer(), t_max=10, max_lr=1.0, min_lr=0.1, warmup_steps=2), 14)
    assert_close(got[:5], [[0.0], [0.5], [1.0], [0.8875], [0.775]])
    assert_close(got, [[expected(t)] for t in range(14)])


def test_per_group_lrs_and_no_warmup():
    sched = LinearScheduler(make_optimizer((0.1, 0.2)), 4, max_lr=[1.0, 2.0], min_lr=[0.0, 1.0])
    assert_close(lr_sequence(sched, 6), [[1.0, 2.0], [0.75, 1.75], [0.5, 1.5], [0.25, 1.25], [0.0, 1.0], [0.0, 1.0]])


def test_resume():
    check_resume(lambda o: LinearScheduler(o, t_max=30, max_lr=[1.0, 0.5], min_lr=0.01, warmup_steps=5), (0.1, 0.2))


def test_sequential():
    check_sequential(lambda o: LinearScheduler(o, 10, 1.0, 0.1, 0.0, 2), lambda t: [expected(t)])


def test_registry_and_validation():
    assert load_lr_scheduler('linear') is LinearScheduler
    opt = make_optimizer()
    with pytest.raises(ValueError, match=r'LinearScheduler: warmup_steps must be <= t_max \(5\), got 6'):
        LinearScheduler(opt, 5, 1.0, warmup_steps=6)
    with pytest.raises(ValueError, match=r'LinearScheduler: max_lr must be in \[0, inf\), got -1'):
        LinearScheduler(opt, 5, -1)
    with pytest.raises(TypeError, match=r'LinearScheduler: t_max must be an integer, got 5.0'):
        LinearScheduler(opt, 5.0, 1.0)
    with pytest.raises(ValueError, match=r'LinearScheduler: min_lr must be a number or a list with one entry'):
        LinearScheduler(opt, 5, 1.0, min_lr=[0.0, 0.0])
    with pytest.raises(TypeError, match=r'LinearScheduler: optimizer must be a torch.optim.Optimizer'):
        LinearScheduler([torch.zeros(1)], 5, 1.0)
