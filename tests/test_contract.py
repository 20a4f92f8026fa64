"""The registry-wide contract suite (DESIGN.md §9): every registered optimizer, every case."""

from __future__ import annotations

import copy
import inspect
import io
import math
import pickle
import sys

import pytest
import torch
from torch import nn

from pytorch_optimizer import BaseOptimizer, NoClosureError, NoComplexParameterError, NoSparseGradientError
from pytorch_optimizer.registry import OPTIMIZERS, get_supported_optimizers
from tests.cases import CASES
from tests.contract_utils import (
    FROZEN,
    NEVER,
    SCHEDULE,
    accepts,
    assert_same,
    assert_same_state,
    build,
    make_closure,
    make_params,
    make_targets,
    requires,
    run,
)

ALL = [pytest.param(key, case, id=f'{key}-{i}') for key in sorted(CASES) for i, case in enumerate(CASES[key])]
FIRST = [
    pytest.param(key, case, id=key)
    for key in sorted(CASES)
    for i, case in enumerate(CASES[key])
    if case.converge or (case.converge is None and i == 0)
]


def test_every_registered_optimizer_has_a_case():
    missing = sorted(set(get_supported_optimizers()) - set(CASES))
    assert not missing, f'registered without a case in tests/case_tables: {missing}'
    stale = sorted(set(CASES) - set(get_supported_optimizers()))
    assert not stale, f'cases for names that are not registered: {stale}'


def test_no_zoo_constructor_takes_var_kwargs():
    for key, entry in OPTIMIZERS.entries.items():
        if entry.external:
            continue
        kinds = {p.kind for p in inspect.signature(entry.cls.__init__).parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds, f'{key}: **kwargs would hide misspelled options'


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_foreach_and_default_batching_match_per_tensor(key, case, monkeypatch):
    """foreach=True (one batch per dtype) and the default (cache-sized slices of elementwise updates,
    here 7 elements so every tensor is sliced and grouped) give the per-tensor result."""
    requires(case, 'foreach')
    if not accepts(key, 'foreach'):
        pytest.skip('no foreach option')
    monkeypatch.setattr(BaseOptimizer, 'cache_chunk', 7)
    runs = []
    for foreach in (False, True, None):
        params = make_params()
        opt = build(key, case, params, foreach=foreach)
        run(opt, params, make_targets(params))
        runs.append((opt, params))
    opt_a, params_a = runs[0]
    for opt_b, params_b in runs[1:]:
        assert_same_state(opt_a, opt_b, params_a, params_b, case.tol)


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_accelerator_masks_match_cpu_host_reads(key, case, monkeypatch):
    """On CPU some guards read a 0-d flag on the host (``functional.host_flag``) where accelerators mask
    every tensor; pretending to compile takes the masked path here, and both must give the same result."""
    if OPTIMIZERS.entries[key].external:
        pytest.skip("torch's own class: is_compiling selects its capturable code")
    runs = []
    for compiling in (False, True):
        monkeypatch.setattr(torch.compiler, 'is_compiling', lambda compiling=compiling: compiling)
        params = make_params()
        opt = build(key, case, params)
        run(opt, params, make_targets(params))
        runs.append((opt, params))
    assert_same_state(*[r[0] for r in runs], *[r[1] for r in runs], max(case.tol, 1e-12))


def force_cuda_bucket_forms(monkeypatch) -> None:
    """Make ``functional`` take its CUDA-bucket forms on CPU, with device-side masks instead of host reads:
    ``cuda_bucket`` and ``host_flag`` replaced wherever they are bound (``functional`` and any module that
    imported them by name)."""
    from pytorch_optimizer.base import functional as F

    forced = {
        id(F.host_flag): lambda ok: None,
        id(F.cuda_bucket): lambda ts: len({(t.device, t.dtype) for t in ts}) == 1,
    }
    for module in [m for name, m in sys.modules.items() if name.startswith('pytorch_optimizer')]:
        for name, value in list(vars(module).items()):
            if id(value) in forced:
                monkeypatch.setattr(module, name, forced[id(value)])


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_cuda_bucket_forms_match_the_cpu_path(key, case, monkeypatch):
    """The batched forms ``functional`` takes on one CUDA bucket (a flat masked copy, one inf-norm, foreach
    dot products, a flat snapshot) with device-side masks, forced here on CPU, against the CPU path."""
    if OPTIMIZERS.entries[key].external:
        pytest.skip("torch's own class")
    runs = []
    for forced in (False, True):
        if forced:
            force_cuda_bucket_forms(monkeypatch)
        params = make_params()
        opt = build(key, case, params)
        run(opt, params, make_targets(params))
        runs.append((opt, params))
    assert_same_state(*[r[0] for r in runs], *[r[1] for r in runs], max(case.tol, 1e-12))


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_grad_is_never_modified(key, case):
    requires(case, 'grad_untouched')
    overrides = {}  # not maximize: its negated copy would hide an update that writes into the gradients
    if accepts(key, 'weight_decay'):
        overrides['weight_decay'] = 0.1
    if accepts(key, 'weight_decouple'):
        overrides['weight_decouple'] = False
    params = make_params()
    targets = make_targets(params)
    opt = build(key, case, params, **overrides)
    for active in SCHEDULE:
        snapshot = {}

        def remember(params=params, snapshot=snapshot):
            snapshot.update({i: p.grad.clone() for i, p in enumerate(params) if p.grad is not None})

        opt.step(make_closure(opt, params, targets, active, after_backward=remember))
        for i, g in snapshot.items():
            assert_same(params[i].grad, g, what=f'p.grad of param {i}')


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_maximize_equals_minimizing_negation(key, case):
    requires(case, 'maximize')
    if not accepts(key, 'maximize'):
        pytest.skip('no maximize option')
    params_max, params_min = make_params(), make_params()
    opt_max = build(key, case, params_max, maximize=True)
    opt_min = build(key, case, params_min, maximize=False)
    run(opt_max, params_max, make_targets(params_max), sign=-1.0)
    run(opt_min, params_min, make_targets(params_min), sign=1.0)
    assert_same_state(opt_max, opt_min, params_max, params_min)


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_params_without_grad_are_untouched(key, case):
    requires(case, 'none_grad')
    params = make_params()
    targets = make_targets(params)
    initial = [p.detach().clone() for p in params]
    opt = build(key, case, params)
    for step, active in enumerate(SCHEDULE):
        if not any(active):
            before = copy.deepcopy(opt.state_dict())
            values = [p.detach().clone() for p in params]
        opt.step(make_closure(opt, params, targets, active))
        if not any(active):
            for p, v in zip(params, values):
                assert_same(p.detach(), v, what=f'an all-None-grad step (step {step}) changed a parameter')
            after = opt.state_dict()
            assert after['param_groups'] == before['param_groups'], 'an all-None-grad step changed the groups'
            for i, state in before['state'].items():
                for k, v in state.items():
                    if isinstance(v, torch.Tensor):
                        assert_same(after['state'][i][k], v, what=f'all-None-grad step changed state {k!r}')
        if step < 2:
            assert_same(params[FROZEN].detach(), initial[FROZEN], what='frozen layer moved')
    assert_same(params[NEVER].detach(), initial[NEVER], what='a parameter that never had a gradient moved')
    assert not opt.state.get(params[NEVER]), 'a parameter that never had a gradient has state'


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_state_dict_resumes_bit_identically(key, case):
    requires(case, 'state_dict')
    params_a, params_b = make_params(), make_params()
    targets = make_targets(params_a)
    opt_a = build(key, case, params_a)
    run(opt_a, params_a, targets)
    opt_b = build(key, case, params_b)
    run(opt_b, params_b, targets, SCHEDULE[:3])
    buffer = io.BytesIO()
    torch.save(opt_b.state_dict(), buffer)
    buffer.seek(0)
    resumed_params = [nn.Parameter(p.detach().clone()) for p in params_b]
    resumed = build(key, case, resumed_params)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    run(resumed, resumed_params, targets, SCHEDULE[3:])
    assert_same_state(opt_a, resumed, params_a, resumed_params)


@pytest.mark.parametrize(('key', 'case'), ALL)
@pytest.mark.parametrize('how', ['deepcopy', 'pickle'])
def test_copies_step_identically(key, case, how):
    requires(case, 'copy')
    params = make_params()
    targets = make_targets(params)
    opt = build(key, case, params)
    run(opt, params, targets, SCHEDULE[:3])
    pair = (params, opt)
    params_c, opt_c = copy.deepcopy(pair) if how == 'deepcopy' else pickle.loads(pickle.dumps(pair))
    run(opt, params, targets, SCHEDULE[3:])
    run(opt_c, params_c, targets, SCHEDULE[3:])
    assert_same_state(opt, opt_c, params, params_c)


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_complex_matches_real_view(key, case):
    requires(case, 'complex')
    gen = torch.Generator().manual_seed(3)
    c = nn.Parameter(torch.randn(4, 3, generator=gen, dtype=torch.complex128))
    r = nn.Parameter(torch.view_as_real(c).detach().clone())
    targets = make_targets([r])
    opt_c = build(key, case, [c])
    if not getattr(OPTIMIZERS.entry(key).cls, 'supports_complex', True):
        with pytest.raises(NoComplexParameterError, match=type(opt_c).__name__):
            run(opt_c, [c], targets, [(True,)])
        return
    opt_r = build(key, case, [r])
    run(opt_c, [c], targets, [(True,)] * 4)
    run(opt_r, [r], targets, [(True,)] * 4)
    assert_same(torch.view_as_real(c.detach()), r.detach(), case.tol, 'complex vs real view')


def _bad_hyperparameters(key):
    signature = inspect.signature(OPTIMIZERS.load(key)).parameters
    bad = [({'not_an_option': 1}, TypeError, 'not_an_option')]
    if 'lr' in signature:
        bad += [
            ({'lr': -1.0}, ValueError, r'lr.*-1'),
            ({'lr': math.nan}, ValueError, 'lr'),
            ({'lr': '1e-3'}, TypeError, 'lr'),
        ]
    betas = signature.get('betas')
    if betas is not None and isinstance(betas.default, tuple):
        too_big = (1.5,) + tuple(betas.default[1:])
        bad += [
            ({'betas': too_big}, ValueError, r'betas\[0\].*1\.5'),
            ({'betas': betas.default + (0.5,)}, ValueError, 'betas'),
        ]
    for name in ('eps', 'weight_decay'):
        if name in signature and isinstance(signature[name].default, float):
            bad.append(({name: -1.0}, ValueError, rf'{name}.*-1'))
    return bad


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_bad_hyperparameters_raise_clear_errors(key, case):
    requires(case, 'hyperparams')
    entry = OPTIMIZERS.entry(key)
    for kwargs, error, pattern in _bad_hyperparameters(key) + case.bad:
        with pytest.raises(error) as info:
            build(key, case, make_params()[:2], **kwargs)
        if not entry.external:
            message = str(info.value)
            assert (
                entry.cls.__name__ in message or error is TypeError
            ), f'{kwargs}: {message!r} does not name the class'
            assert __import__('re').search(pattern, message), f'{kwargs}: {message!r} does not match {pattern!r}'
    if accepts(key, 'betas') and not entry.external:
        betas = inspect.signature(OPTIMIZERS.load(key)).parameters['betas'].default
        build(key, case, make_params()[:2], betas=list(betas))  # configs deliver lists


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_sparse_gradients(key, case):
    requires(case, 'sparse')
    p = nn.Parameter(torch.randn(5, 3, dtype=torch.float64))
    opt = build(key, case, [p])

    def closure(backward=True):
        p.grad = torch.sparse_coo_tensor([[0, 2]], torch.ones(2, 3, dtype=torch.float64), (5, 3))
        return torch.zeros(())

    if getattr(type(opt), 'supports_sparse', False):
        before = p.detach().clone()
        opt.step(closure)
        assert not torch.equal(before, p.detach()), 'a sparse step did not move the parameter'
    else:
        with pytest.raises(NoSparseGradientError, match=type(opt).__name__):
            opt.step(closure)


@pytest.mark.parametrize('masked', ['cpu', 'masked', 'bucket'])
@pytest.mark.parametrize(('key', 'case'), ALL)
def test_nan_gradient_does_not_spread(key, case, masked, monkeypatch):
    """``masked``: the accelerator path (no host reads of the finite flags), taken by pretending to compile;
    ``bucket``: the eager CUDA-bucket forms (flat masks and snapshots), forced on CPU."""
    requires(case, 'nan_isolation')
    if masked != 'cpu' and OPTIMIZERS.entries[key].external:
        pytest.skip("torch's own class: is_compiling selects its capturable code")
    if masked == 'masked':
        monkeypatch.setattr(torch.compiler, 'is_compiling', lambda: True)
    elif masked == 'bucket':
        force_cuda_bucket_forms(monkeypatch)
    results = []
    for poison in (False, True):
        params = make_params()[:2]
        targets = make_targets(params)
        opt = build(key, case, params)
        run(opt, params, targets, [(True, True)])
        after_first = params[1].detach().clone()

        def inject(params=params, poison=poison):
            if poison:
                params[0].grad[0, 0] = math.nan

        opt.step(make_closure(opt, params, targets, after_backward=inject))
        results.append((params[1].detach().clone(), after_first))
    (clean, _), (poisoned, before) = results
    if getattr(OPTIMIZERS.entry(key).cls, 'global_statistics', False):
        assert torch.equal(poisoned, clean) or torch.equal(poisoned, before), 'a NaN elsewhere changed this parameter'
    else:
        assert_same(poisoned, clean, what='a NaN gradient in another parameter changed this one')


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_bf16_steps_stay_finite(key, case):
    requires(case, 'bf16')
    params = make_params(dtype=torch.bfloat16)
    opt = build(key, case, params)
    run(opt, params, make_targets(params), [SCHEDULE[-1]] * 5)
    for i, p in enumerate(params):
        assert p.dtype == torch.bfloat16 and torch.isfinite(p).all(), f'param {i} not finite or lost its dtype'


@pytest.mark.parametrize(('key', 'case'), ALL)
def test_closure_contract(key, case):
    requires(case, 'closure')
    params = make_params()[:2]
    targets = make_targets(params)
    opt = build(key, case, params)
    if getattr(type(opt), 'requires_closure', False):
        with pytest.raises(NoClosureError, match=type(opt).__name__):
            opt.step()
    else:
        make_closure(opt, params, targets)()
        assert opt.step() is None
        assert len(opt.state) > 0, 'step() without a closure did not use the gradients present'


# ----------------------------------------------------------------------------------- convergence
def _minimize(key, case, task, params, loss):
    lr = case.lrs.get(task, case.lr)
    kwargs = {'lr': lr} if accepts(key, 'lr') else {}
    opt = build(key, case, params, **kwargs)

    def closure(backward=True):
        value = loss()
        if backward:
            opt.zero_grad()
            value.backward(create_graph=bool(getattr(opt, 'second_order', False)))
        return value

    for _ in range(case.steps):
        opt.step(closure)
    with torch.no_grad():
        return loss().item()


@pytest.mark.parametrize(('key', 'case'), FIRST)
def test_converges_on_quadratic(key, case):
    requires(case, 'quadratic')
    scale = torch.linspace(1.0, 10.0, 10, dtype=torch.float64)
    target = torch.linspace(-1.0, 1.0, 10, dtype=torch.float64)
    x = nn.Parameter(torch.zeros(10, dtype=torch.float64))

    def loss():
        return 0.5 * (scale * (x - target) ** 2).sum()

    initial = loss().item()
    final = _minimize(key, case, 'quadratic', [x], loss)
    assert final < 1e-2 * initial, f'quadratic: {initial:.3g} -> {final:.3g}'


@pytest.mark.parametrize(('key', 'case'), FIRST)
def test_makes_progress_on_rosenbrock(key, case):
    requires(case, 'rosenbrock')
    x = nn.Parameter(torch.tensor([-1.5, 2.0], dtype=torch.float64))

    def loss():
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    initial = loss().item()
    final = _minimize(key, case, 'rosenbrock', [x], loss)
    assert final < 0.25 * initial, f'rosenbrock: {initial:.3g} -> {final:.3g}'


@pytest.mark.parametrize(('key', 'case'), FIRST)
def test_fits_logistic_regression(key, case):
    requires(case, 'logistic')
    gen = torch.Generator().manual_seed(5)
    features = torch.randn(200, 5, generator=gen, dtype=torch.float64)
    labels = (features @ torch.tensor([1.0, -2.0, 0.5, 1.5, -1.0], dtype=torch.float64) + 0.3 > 0).double()
    w = nn.Parameter(torch.zeros(5, dtype=torch.float64))
    b = nn.Parameter(torch.zeros((), dtype=torch.float64))

    def loss():
        return nn.functional.binary_cross_entropy_with_logits(features @ w + b, labels)

    final = _minimize(key, case, 'logistic', [w, b], loss)
    accuracy = ((features @ w + b > 0).double() == labels).double().mean().item()
    assert final < 0.35 and accuracy >= 0.95, f'logistic: loss {final:.3g}, accuracy {accuracy:.3f}'
