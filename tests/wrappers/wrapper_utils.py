"""Shared checks for wrappers: bit-identical resume, deepcopy, hooks, nesting under Lookahead."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable

import torch
from torch import nn

from pytorch_optimizer import Lookahead

GEN = torch.Generator().manual_seed(1234)
X = torch.randn(16, 4, generator=GEN, dtype=torch.float64)
Y = torch.randn(16, 1, generator=GEN, dtype=torch.float64)


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1)).double()


def loss_of(model: nn.Module) -> torch.Tensor:
    return ((model(X) - Y) ** 2).mean()


def closure_for(model: nn.Module, opt: torch.optim.Optimizer) -> Callable:
    def closure():
        opt.zero_grad()
        loss = loss_of(model)
        loss.backward()
        return loss

    return closure


def drive_closure(opt, model, steps: int) -> None:
    for _ in range(steps):
        opt.step(closure_for(model, opt))


def roundtrip(state_dict: dict) -> dict:
    buf = io.BytesIO()
    torch.save(state_dict, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def assert_params_equal(a: nn.Module, b: nn.Module) -> None:
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q), (p, q)


def check_resume(factory: Callable, before: int, after: int, drive: Callable = drive_closure) -> None:
    """Interrupt after ``before`` steps, reload into a fresh wrapper, continue: bit-identical."""
    model = make_model()
    opt = factory(model)
    drive(opt, model, before)
    state = roundtrip(opt.state_dict())
    model2 = copy.deepcopy(model)
    opt2 = factory(model2)
    opt2.load_state_dict(state)
    drive(opt, model, after)
    drive(opt2, model2, after)
    assert_params_equal(model, model2)
    moved = make_model()
    assert any(not torch.equal(p, q) for p, q in zip(model.parameters(), moved.parameters()))


def check_deepcopy(factory: Callable, drive: Callable = drive_closure) -> None:
    model = make_model()
    opt = factory(model)
    drive(opt, model, 2)
    model2, opt2 = copy.deepcopy((model, opt))
    assert opt2.optimizer.param_groups[0]['params'][0] is next(model2.parameters())
    drive(opt, model, 3)
    drive(opt2, model2, 3)
    assert_params_equal(model, model2)


def check_hooks(factory: Callable, drive: Callable = drive_closure) -> None:
    model = make_model()
    opt = factory(model)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append('pre'))
    opt.register_step_post_hook(lambda o, a, k: calls.append('post'))
    drive(opt, model, 2)
    assert calls == ['pre', 'post', 'pre', 'post']


def check_nested(factory: Callable, drive: Callable = drive_closure) -> None:
    """Lookahead(wrapper): trains, and resumes bit-identically mid Lookahead cycle."""
    check_resume(lambda m: Lookahead(factory(m), k=3, alpha=0.5), 4, 4, drive)


def check_all(factory: Callable, before: int = 3, after: int = 4, drive: Callable = drive_closure) -> None:
    check_resume(factory, before, after, drive)
    check_deepcopy(factory, drive)
    check_hooks(factory, drive)
    check_nested(factory, drive)
