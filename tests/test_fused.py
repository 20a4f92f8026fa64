"""The fused path (``fused=True``, ``base/fused.py``) of every elementwise optimizer against eager.

Each elementwise key is compiled with inductor and run through the contract schedule (a frozen layer
joining late, a step without gradients, a non-contiguous and a 0-d parameter) in float32 beside the
eager default, with weight decay and a learning-rate change: parameters and state must agree to
float32 round-off, and later steps must not recompile (step-dependent scalars are not baked in)
unless a Python flag returned by ``_prepare`` takes a new value (e.g. rectification switching on).
"""

from __future__ import annotations

import pytest
import torch
import torch._dynamo.utils

from pytorch_optimizer.base.optimizer import signature_defaults
from pytorch_optimizer.registry import OPTIMIZERS
from tests.cases import CASES
from tests.contract_utils import ALL_ACTIVE, SCHEDULE, accepts, assert_same_state, make_params, make_targets, run

FUSED = sorted(key for key, entry in OPTIMIZERS.entries.items() if not entry.external and entry.cls.elementwise)


def _kwargs(key: str) -> dict:
    cls = OPTIMIZERS.entries[key].cls
    for case in CASES[key]:
        merged = {**signature_defaults(cls), **case.kwargs}  # flags on by default count too (Ranger's use_gc)
        if not any(merged.get(flag) for flag in cls.non_elementwise_flags) and not case.kwargs.get('foreach'):
            kwargs = dict(case.kwargs)
            if accepts(key, 'weight_decay'):
                kwargs['weight_decay'] = 1e-2
            return kwargs
    pytest.fail(f'{key}: no case keeps the update elementwise')


def _record_branch_flags(opt) -> list[tuple]:
    """Record the Python flags ``_prepare`` returns each step (the only values the graph may branch on)."""
    flags: list[tuple] = []
    prepare = opt._prepare

    def recording(group, params, grads, states):
        shared = prepare(group, params, grads, states) or {}
        # a new flag value compiles once (batches are padded to one length, so a new layout does not)
        flags.append(tuple(sorted((k, v) for k, v in shared.items() if isinstance(v, bool))))
        return shared

    opt._prepare = recording
    return flags


def _graphs() -> int:
    return torch._dynamo.utils.counters['stats']['unique_graphs']


def test_elementwise_optimizers_offer_fused():
    assert FUSED, 'no elementwise optimizer registered'
    missing = [key for key in FUSED if not accepts(key, 'fused')]
    assert not missing, f'elementwise optimizers without fused=: {missing}'


@pytest.mark.parametrize('key', FUSED)
def test_fused_matches_eager(key):
    check_fused_matches_eager(key, 'cpu')


def check_fused_matches_eager(key: str, device: str) -> None:
    """``fused=True`` against the eager default on ``device`` (``tests/test_cuda.py`` runs it on CUDA)."""

    def make() -> list[torch.nn.Parameter]:  # ``to`` keeps the non-contiguous parameter's strides
        return [torch.nn.Parameter(p.detach().to(device)) for p in make_params(torch.float32)]

    kwargs = _kwargs(key)
    targets = [t.to(device) for t in make_targets(make_params(torch.float32))]
    eager_params, fused_params = make(), make()
    eager = OPTIMIZERS.load(key)(eager_params, **kwargs)
    fused = OPTIMIZERS.load(key)(fused_params, **kwargs, fused=True)
    flags = _record_branch_flags(fused)
    run(eager, eager_params, targets, SCHEDULE[:3])
    run(fused, fused_params, targets, SCHEDULE[:3])
    seen = len(set(flags))
    assert_same_state(eager, fused, eager_params, fused_params, tol=1e-5)
    before = _graphs()
    for opt in (eager, fused):
        for group in opt.param_groups:
            group['lr'] *= 0.5
    steady = SCHEDULE[3:] + (ALL_ACTIVE,) * 3
    run(eager, eager_params, targets, steady)
    run(fused, fused_params, targets, steady)
    assert_same_state(eager, fused, eager_params, fused_params, tol=1e-5)
    flips = len(set(flags)) - seen  # a Python branch taken for the first time compiles once (at most:
    # another key of the same class may have compiled it)
    assert _graphs() - before <= flips, f'{key}: the fused update recompiled after the first steps'


def test_off_cpu_parameters_under_the_threshold_take_the_eager_update():
    from pytorch_optimizer.base.fused import ACCELERATOR_MIN_NUMEL, _Plan

    for device, eager in (('meta', [[0, 2]]), ('cpu', [])):
        params = [torch.zeros(s, device=device) for s in ((4, 3), (ACCELERATOR_MIN_NUMEL,), (5,))]
        plan = _Plan(params, params, [{'m': torch.zeros_like(p)} for p in params], ('m',))
        assert plan.eager == eager
        assert [b.idx for b in plan.batches] == ([[1]] if eager else [[0, 1, 2]])


@pytest.mark.parametrize('key', FUSED[:1])
def test_fused_rejects_foreach(key):
    with pytest.raises(ValueError, match='fused=True and foreach=True'):
        OPTIMIZERS.load(key)(make_params(), fused=True, foreach=True)


def test_fused_rejects_flags_that_break_elementwise():
    key = next(k for k in FUSED if accepts(k, 'cautious'))
    with pytest.raises(ValueError, match='cautious=True breaks'):
        OPTIMIZERS.load(key)(make_params(), fused=True, cautious=True)


def test_copy_of_an_input_mutated_later_keeps_the_old_value():
    """``functional.copy_`` compiled: ``q.copy_(p); p += g`` must leave q at the old p (a torch 2.13
    inductor bug makes a per-tensor ``copy_`` read the mutated value)."""
    from pytorch_optimizer.base.functional import copy_

    def step(p, q, g):
        copy_(q, p)
        torch._foreach_add_(p, g)

    p, q, g = [torch.randn(8)], [torch.zeros(8)], [torch.randn(8)]
    old = p[0].clone()
    torch.compile(step, fullgraph=True)(p, q, g)
    assert torch.equal(q[0], old)


def test_many_parameter_groups_compile_past_dynamos_default_limit(monkeypatch):
    """Each group's settings give a graph of their own: more groups than dynamo's recompile limit work."""
    monkeypatch.setattr(torch._dynamo.config, 'recompile_limit', 2)
    params = [torch.nn.Parameter(torch.randn(3)) for _ in range(4)]
    groups = [{'params': [p], 'weight_decay': 0.1 * i} for i, p in enumerate(params)]
    eager_params = [torch.nn.Parameter(p.detach().clone()) for p in params]
    eager_groups = [{'params': [p], 'weight_decay': 0.1 * i} for i, p in enumerate(eager_params)]
    fused = OPTIMIZERS.load('lion')(groups, fused=True)
    eager = OPTIMIZERS.load('lion')(eager_groups)
    for _ in range(2):
        for p, q in zip(params, eager_params):
            p.grad = q.grad = torch.ones(3)
        fused.step()
        eager.step()
    for p, q in zip(params, eager_params):
        torch.testing.assert_close(p, q)


def _lion_twins(shapes, **kwargs):
    """A fused and an eager Lion over equal copies of parameters of ``shapes``."""
    fused_params = [torch.nn.Parameter(torch.randn(s)) for s in shapes]
    eager_params = [torch.nn.Parameter(p.detach().clone()) for p in fused_params]
    fused = OPTIMIZERS.load('lion')(fused_params, fused=True, **kwargs)
    eager = OPTIMIZERS.load('lion')(eager_params, **kwargs)
    return fused, eager, fused_params, eager_params


def _step_both(fused, eager, fused_params, eager_params, grads=None):
    for i, (p, q) in enumerate(zip(fused_params, eager_params)):
        grad = grads[i] if grads is not None else torch.randn(p.shape)
        p.grad, q.grad = grad.clone(), grad.clone()
    fused.step()
    eager.step()


def test_a_new_layout_does_not_recompile():
    """Sizes are symbolic and not duck-typed: another model with other (or equal) sizes and any number of
    parameters up to the same padded batch length reuses the graph."""
    fused, eager, fp, ep = _lion_twins([(3, 5), (7,), (2, 2)], weight_decay=0.5)
    _step_both(fused, eager, fp, ep)
    before = _graphs()
    for shapes in ([(9,), (9,), (9,), (4, 4)], [(6,), (11, 2)], [(2,), (5,), (2,)]):
        fused, eager, fp, ep = _lion_twins(shapes, weight_decay=0.5)
        for _ in range(2):
            _step_both(fused, eager, fp, ep)
        for p, q in zip(fp, ep):
            torch.testing.assert_close(p, q)
    assert _graphs() == before


def test_replaced_state_and_parameter_tensors_are_seen():
    """The cached flat views are rebuilt when ``load_state_dict`` replaces the state or ``p.data`` is
    reassigned; a non-contiguous gradient is read through a copy."""
    fused, eager, fp, ep = _lion_twins([(4, 6), (10,)])
    other, other_twin, op, otp = _lion_twins([(4, 6), (10,)])
    for _ in range(2):
        _step_both(fused, eager, fp, ep)
        _step_both(other, other_twin, op, otp)  # other gradients: another momentum
    fused.load_state_dict(other.state_dict())
    eager.load_state_dict(other_twin.state_dict())  # (a state dict carries `fused`: keep this one eager)
    _step_both(fused, eager, fp, ep)
    for p, q in zip(fp, ep):
        torch.testing.assert_close(p, q)
    torch.testing.assert_close(fused.state[fp[0]]['exp_avg'], eager.state[ep[0]]['exp_avg'])
    new = torch.randn(4, 6)
    fp[0].data, ep[0].data = new.clone(), new.clone()
    grads = [torch.randn(6, 4).t(), torch.randn(10)]  # the first is not contiguous
    _step_both(fused, eager, fp, ep, grads)
    for p, q in zip(fp, ep):
        torch.testing.assert_close(p, q)
