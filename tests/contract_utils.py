"""Shared machinery of the contract suite: deterministic parameters, losses, closures and comparisons."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import pytest
import torch
from torch import nn

from pytorch_optimizer.registry import OPTIMIZERS
from tests.cases import Case

# Shapes: a matrix, a non-contiguous (transposed) matrix, a 0-d scalar, a vector, a conv kernel,
# a layer frozen for the first steps, and a parameter that never gets a gradient.
SHAPES = ((4, 3), (5, 3), (), (6,), (2, 3, 2, 2), (5, 2), (3,))
FROZEN, NEVER = 5, 6
# Per step: which parameters get a gradient. Step 4 has none (must be a no-op).
ALL_ACTIVE = tuple(i != NEVER for i in range(len(SHAPES)))
SCHEDULE = (
    tuple(i not in (FROZEN, NEVER) for i in range(len(SHAPES))),
    tuple(i not in (FROZEN, NEVER) for i in range(len(SHAPES))),
    ALL_ACTIVE,
    tuple(False for _ in SHAPES),
    ALL_ACTIVE,
    ALL_ACTIVE,
)


def make_params(dtype: torch.dtype = torch.float64, seed: int = 0) -> list[nn.Parameter]:
    """The mixed-shape parameter set (the second one is non-contiguous)."""
    gen = torch.Generator().manual_seed(seed)
    params = []
    for i, shape in enumerate(SHAPES):
        data = torch.randn(shape[::-1] if i == 1 else shape, generator=gen, dtype=torch.float64)
        params.append(nn.Parameter((data.t() if i == 1 else data).to(dtype)))
    assert not params[1].is_contiguous()
    return params


def make_targets(params: Sequence[torch.Tensor], seed: int = 1) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(real(p).shape, generator=gen, dtype=torch.float64).to(real(p).dtype) for p in params]


def real(p: torch.Tensor) -> torch.Tensor:
    return torch.view_as_real(p) if torch.is_complex(p) else p


def loss_fn(params: Sequence[torch.Tensor], targets: Sequence[torch.Tensor]) -> torch.Tensor:
    """A smooth, non-quadratic loss: weighted squares plus a small quartic term."""
    total = torch.zeros((), dtype=torch.float64)
    for i, (p, t) in enumerate(zip(params, targets)):
        x = real(p)
        total = total + ((1.0 + i) * (x - t).pow(2)).sum() + 0.05 * x.pow(4).sum()
    return total


def is_second_order(opt: Any) -> bool:
    return bool(getattr(opt, 'second_order', False))


def make_closure(opt, params, targets, active=None, sign: float = 1.0, after_backward=None):
    """A closure ``closure(backward=True)`` over the ``active`` parameters; others get ``grad = None``."""
    active = active or tuple(True for _ in params)

    def closure(backward: bool = True) -> torch.Tensor:
        chosen = [(p, t) for p, t, a in zip(params, targets, active) if a]
        if not chosen:
            for p in params:
                p.grad = None
            return torch.zeros((), dtype=torch.float64)
        loss = sign * loss_fn([p for p, _ in chosen], [t for _, t in chosen])
        if backward:
            for p in params:
                p.grad = None
            loss.backward(create_graph=is_second_order(opt))
            if after_backward is not None:
                after_backward()
        return loss

    return closure


def run(opt, params, targets, schedule=SCHEDULE, sign: float = 1.0) -> None:
    for active in schedule:
        opt.step(make_closure(opt, params, targets, active, sign))


def accepts(key: str, name: str) -> bool:
    return name in inspect.signature(OPTIMIZERS.load(key)).parameters


def build(key: str, case: Case, params, **overrides):
    return OPTIMIZERS.load(key)(params, **{**case.kwargs, **overrides})


def requires(case: Case, prop: str) -> None:
    if prop in case.skip:
        pytest.skip(case.skip[prop])


def assert_same(a: torch.Tensor, b: torch.Tensor, tol: float = 0.0, what: str = '') -> None:
    if tol:
        torch.testing.assert_close(a, b, rtol=tol, atol=tol, equal_nan=True, msg=lambda m: f'{what}: {m}')
    else:
        torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True, msg=lambda m: f'{what}: {m}')


def assert_same_state(opt_a, opt_b, params_a, params_b, tol: float = 0.0) -> None:
    for i, (pa, pb) in enumerate(zip(params_a, params_b)):
        assert_same(pa.detach(), pb.detach(), tol, f'param {i}')
        sa, sb = opt_a.state.get(pa, {}), opt_b.state.get(pb, {})
        assert sa.keys() == sb.keys(), f'param {i}: state keys differ: {sorted(sa)} vs {sorted(sb)}'
        for k in sa:
            if isinstance(sa[k], torch.Tensor):
                assert_same(sa[k], sb[k], tol, f'param {i} state {k!r}')
            else:
                assert sa[k] == sb[k], f'param {i} state {k!r}: {sa[k]!r} vs {sb[k]!r}'
