import pytest
from torch.optim.lr_scheduler import ConstantLR, SequentialLR

from pytorch_optimizer import LinearScheduler, ProportionScheduler, load_lr_scheduler
from tests.lr_scheduler.helpers import assert_close, make_optimizer


def follow(lr_scheduler, proportion, n):
    values = []
    for _ in range(n):
        values.append([proportion.get_lr()])
        lr_scheduler.optimizer.step()
        lr_scheduler.step()
        proportion.step()
    return values


def test_values_by_hand():
    # LR 1.0 -> 0.0 linearly over 4 steps, mapped to rho in [0.01, 0.05]: rho = 0.01 + 0.04 * lr
    sched = LinearScheduler(make_optimizer(), t_max=4, max_lr=1.0, min_lr=0.0)
    rho = ProportionScheduler(sched, max_lr=1.0, min_lr=0.0, max_value=0.05, min_value=0.01)
    assert_close(follow(sched, rho, 6), [[0.05], [0.04], [0.03], [0.02], [0.01], [0.01]])
    assert rho.get_last_lr() == [0.01]
    # max_lr == min_lr: the value is max_value
    flat = ProportionScheduler(LinearScheduler(make_optimizer(), 3, 1.0), max_lr=0.5, min_lr=0.5, max_value=3.0)
    assert flat.get_lr() == 3.0


def test_follows_a_sequential_schedule():
    optimizer = make_optimizer((1.0,))
    sched = SequentialLR(
        optimizer, [ConstantLR(optimizer, 0.5, 10**6), LinearScheduler(optimizer, 4, 1.0)], milestones=[2]
    )
    rho = ProportionScheduler(sched, max_lr=1.0, max_value=2.0, min_value=0.0)
    assert_close(follow(sched, rho, 7), [[1.0], [1.0], [2.0], [1.5], [1.0], [0.5], [0.0]])


def test_resume():
    sched = LinearScheduler(make_optimizer(), 10, 1.0)
    rho = ProportionScheduler(sched, 1.0, max_value=1.0, min_value=0.0)
    full = follow(sched, rho, 10)
    sched = LinearScheduler(make_optimizer(), 10, 1.0)
    rho = ProportionScheduler(sched, 1.0, max_value=1.0, min_value=0.0)
    first = follow(sched, rho, 4)
    sched2 = LinearScheduler(make_optimizer(), 10, 1.0)
    rho2 = ProportionScheduler(sched2, 1.0, max_value=1.0, min_value=0.0)
    sched2.load_state_dict(sched.state_dict())
    rho2.load_state_dict(rho.state_dict())
    assert first + follow(sched2, rho2, 6) == full


def test_registry_and_validation():
    assert load_lr_scheduler('proportion') is ProportionScheduler
    sched = LinearScheduler(make_optimizer(), 3, 1.0)
    with pytest.raises(ValueError, match=r'ProportionScheduler: max_lr must be >= min_lr \(0.5\), got 0.1'):
        ProportionScheduler(sched, max_lr=0.1, min_lr=0.5)
    with pytest.raises(TypeError, match=r'ProportionScheduler: lr_scheduler must be an LR scheduler'):
        ProportionScheduler(object(), max_lr=0.1)
