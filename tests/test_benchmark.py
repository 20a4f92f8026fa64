"""The step benchmark's harness (``benchmarks/step.py``): a measurement imports the library it names.

An earlier harness ran ``python -m`` children whose ``sys.path`` began with this checkout, so its
"older release" rows silently measured this library. The server-forked measurement now reports the
``pytorch_optimizer`` it imported and the parent refuses a row that imported the wrong one.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from benchmarks.step import ROOT, Server, _combine

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='the server forks (Linux)')


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    bench = Server(SimpleNamespace(threads=1, steps=3, warmup=2), str(tmp_path_factory.mktemp('inductor')))
    yield bench
    bench.close()


def test_our_row_imports_this_checkout(server):
    result = server.measure('zoo:sgdw', ['tiny'], [str(ROOT)], memory=True)
    assert result['tiny']['ms'] > 0 and result['tiny']['finite'] and result['tiny']['steps'] >= 3


def test_another_release_is_the_one_imported(server, tmp_path):
    fake = tmp_path / 'pytorch_optimizer'
    fake.mkdir()
    (fake / '__init__.py').write_text(
        'import torch\n\ndef load_optimizer(name):\n    return lambda params, lr: torch.optim.SGD(params, lr=lr)\n'
    )
    result = server.measure('zoo:sgdw', ['tiny'], [str(tmp_path), str(ROOT)], memory=False)
    assert result['tiny']['ms'] > 0


def test_a_row_that_imports_the_wrong_library_is_refused(server, tmp_path):
    with pytest.raises(RuntimeError, match='expected a package under'):
        server.measure('zoo:sgdw', ['tiny'], [str(tmp_path), str(ROOT)], memory=False)


def test_a_failing_measurement_is_a_failed_row(server):
    assert server.measure('zoo:no-such-optimizer', ['tiny'], [str(ROOT)], memory=False) == {'tiny': None}


def test_rounds_combine_to_the_fastest_with_their_spread():
    rounds = [{'ms': 3.0, 'first_s': 1.0, 'fixed_ms': 0.4}, {'ms': 2.0, 'first_s': 0.5, 'fixed_ms': 0.3}, None]
    assert _combine(rounds) == {'ms': 2.0, 'first_s': 1.0, 'spread': 1.5, 'fixed_ms': 0.3}
    assert _combine([{'ms': 1.0, 'first_s': 0.1}])['fixed_ms'] is None  # not a fused row
    assert _combine([None]) is None


def test_the_server_starts_the_compiler_once_and_fused_rows_compile_after_the_fork(server):
    probe = server.measure('bandwidth', [], [], memory=False)
    assert probe['bandwidth'] > 0 and probe['compile_warmup_s'] > 0
    result = server.measure('zoo:lion:fused', ['tiny'], [str(ROOT)], memory=False)
    assert result['tiny'] is not None and result['tiny']['finite']
    assert result['tiny']['fixed_ms'] > 0  # the step on as many four-element tensors


def test_memory_is_measured_after_every_timing(monkeypatch):
    """The memory measurement fixes glibc's mmap threshold, which slows any step timed after it."""
    import torch

    import benchmarks.step as step

    events = []
    make = step._make_optimizer
    monkeypatch.setattr(step, '_make_optimizer', lambda *args: events.append('time') or make(*args))
    monkeypatch.setattr(step, '_step_peak_bytes', lambda opt, closure: events.append('memory') or 0)
    workloads = {name: [torch.nn.Parameter(torch.ones(3))] for name in ('a', 'b')}
    for params in workloads.values():
        params[0].grad = torch.ones(3)
    request = {'impl': 'torch:SGD:loop', 'workloads': ['a', 'b'], 'path': [], 'memory': True}
    result = step.child(torch, {**request, 'steps': 3, 'warmup': 2}, workloads)
    assert events == ['time', 'time', 'memory', 'memory']
    assert result['a']['extra_per_param'] == 0.0 and result['b']['ms'] > 0


def test_fused_rows_over_the_floor_target_are_printed_with_their_fixed_cost(capsys):
    from benchmarks.step import _fused_gaps

    row = {'state_bytes_per_param': 8.0, 'fixed_ms': 1.0}
    # 1M parameters at 28 bytes each and 28 GB/s: a floor of 1 ms
    rows = [('adamod', 'zoo:adamod:fused', {**row, 'ms': 2.0}), ('lion', 'zoo:lion:fused', {**row, 'ms': 1.2})]
    rows.append(('radam', 'zoo:radam', {**row, 'ms': 9.0}))  # not fused: the eager target has its own list
    _fused_gaps(rows, 10**6, 200, 28e9)
    out = capsys.readouterr().out
    assert 'adamod' in out and '2.0x floor, fixed  1.00 ms, the rest  1.0x floor' in out
    assert 'lion' not in out and 'radam' not in out
