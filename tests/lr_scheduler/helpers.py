"""Shared checks for the LR-scheduler tests: LR sequences, state_dict resume, SequentialLR composition."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence

import torch
from torch.optim.lr_scheduler import ConstantLR, SequentialLR

TOL = 1e-12


def make_optimizer(lrs: Sequence[float] = (0.1,), cls: type = torch.optim.SGD, **kwargs) -> torch.optim.Optimizer:
    """One parameter per group, group ``i`` with LR ``lrs[i]``."""
    groups = [{'params': [torch.nn.Parameter(torch.zeros(2))], 'lr': lr} for lr in lrs]
    return cls(groups, **kwargs)


def lr_sequence(scheduler, n: int) -> list[list[float]]:
    """LRs of every group at steps 0..n-1 (read, then ``optimizer.step(); scheduler.step()``)."""
    optimizer = scheduler.optimizer
    out = []
    for _ in range(n):
        current = [group['lr'] for group in optimizer.param_groups]
        assert current == list(scheduler.get_last_lr())
        out.append(current)
        optimizer.step()
        scheduler.step()
    return out


def assert_close(actual: Sequence[Sequence[float]], expected: Sequence[Sequence[float]], tol: float = TOL) -> None:
    assert len(actual) == len(expected)
    for t, (a_row, e_row) in enumerate(zip(actual, expected)):
        assert len(a_row) == len(e_row)
        for a, e in zip(a_row, e_row):
            assert math.isclose(a, e, rel_tol=0.0, abs_tol=tol), f'step {t}: got {a!r}, expected {e!r}'


def _round_trip(state: dict) -> dict:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def check_resume(factory: Callable, lrs: Sequence[float] = (0.1,), n: int = 40, k: int = 13, **opt_kwargs) -> None:
    """Stop at step ``k``, save both state_dicts, rebuild fresh objects, load, and continue: identical LRs."""
    full = lr_sequence(factory(make_optimizer(lrs, **opt_kwargs)), n)
    optimizer = make_optimizer(lrs, **opt_kwargs)
    scheduler = factory(optimizer)
    first = lr_sequence(scheduler, k)
    opt_state, sched_state = _round_trip(optimizer.state_dict()), _round_trip(scheduler.state_dict())
    optimizer2 = make_optimizer(lrs, **opt_kwargs)
    scheduler2 = factory(optimizer2)
    optimizer2.load_state_dict(opt_state)
    scheduler2.load_state_dict(sched_state)
    rest = lr_sequence(scheduler2, n - k)
    assert first + rest == full


def check_sequential(
    factory: Callable, expected: Callable[[int], list[float]], lrs: Sequence[float] = (0.1,), milestone: int = 5, **kw
) -> None:
    """``SequentialLR`` both ways: ConstantLR(0.5) then the scheduler, and the scheduler then ConstantLR(0.5).

    ``expected(t)`` is the scheduler's own LR list at its step ``t``.
    """
    n = milestone + 25
    optimizer = make_optimizer(lrs, **kw)
    head = ConstantLR(optimizer, factor=0.5, total_iters=10**6)
    sequential = SequentialLR(optimizer, [head, factory(optimizer)], milestones=[milestone])
    got = lr_sequence(sequential, n)
    want = [[0.5 * lr for lr in lrs] if t < milestone else expected(t - milestone) for t in range(n)]
    assert_close(got, want)

    optimizer = make_optimizer(lrs, **kw)
    first = factory(optimizer)
    tail = ConstantLR(optimizer, factor=0.5, total_iters=10**6)
    sequential = SequentialLR(optimizer, [first, tail], milestones=[milestone])
    got = lr_sequence(sequential, n)
    want = [expected(t) if t < milestone else [0.5 * lr for lr in lrs] for t in range(n)]
    assert_close(got, want)
