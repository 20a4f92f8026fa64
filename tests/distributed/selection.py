"""Which optimizers the distributed suite runs: a CI sample by default, every one with PYOPT_DIST_FULL=1.

The sample covers each kind of metadata the matrix distinguishes (torch's own classes, elementwise
updates, per-tensor norms and projections, matrix preconditioners, group-wide statistics, an
optimizer that declares ``supports_fsdp = False``); the full run covers the whole registry.
"""

from __future__ import annotations

import os

import pytest

from pytorch_optimizer.distributed import distributed_support
from pytorch_optimizer.registry import OPTIMIZERS
from tests.cases import CASES

FULL = os.environ.get('PYOPT_DIST_FULL', '').lower() not in ('', '0', 'false', 'no')
# seconds one process group may run (a deadlock fails the test instead of hanging CI)
TIMEOUT = 540.0 if FULL else 240.0

CI_SAMPLE = frozenset(
    {'adamw', 'sgd', 'lion', 'adabelief', 'lamb', 'lars', 'nero', 'dadaptadam', 'shampoo', 'sm3', 'adamp', 'madgrad'}
)


def keys() -> list[str]:
    """Every registered optimizer with a contract case."""
    return [key for key in OPTIMIZERS.names() if key in CASES]


def applicable(key: str, mode: str) -> bool:
    """Whether the ``mode`` test runs ``key``: supported, or, for FSDP2, data-parallel at all (an optimizer
    declaring ``supports_fsdp = False`` is run to check that it refuses)."""
    support = distributed_support(key)
    return support[mode].ok or (mode == 'fsdp2' and support['ddp'].ok)


def runs(key: str, mode: str) -> bool:
    """Whether this session runs ``key`` under ``mode`` (in the sample or the full run, and applicable)."""
    return (FULL or key in CI_SAMPLE) and applicable(key, mode)


def parametrize(mode: str):
    """``@pytest.mark.parametrize('key', ...)`` over the registry: keys outside the CI sample are
    marked ``slow`` and skipped unless PYOPT_DIST_FULL=1; inapplicable ones skip with the matrix's reason."""
    params = []
    for key in keys():
        support = distributed_support(key)['ddp' if mode == 'fsdp2' else mode]
        marks = []
        if key not in CI_SAMPLE:
            marks = [
                pytest.mark.slow,
                pytest.mark.skipif(not FULL, reason='outside the CI sample (PYOPT_DIST_FULL=1)'),
            ]
        if not applicable(key, mode):
            marks.append(pytest.mark.skip(reason=f'{mode}: {support.reason}'))
        params.append(pytest.param(key, marks=marks, id=key))
    return pytest.mark.parametrize('key', params)


def selected(request, mode: str) -> list[str]:
    """The keys of this module's selected tests (after ``-k``) that will run under ``mode``."""
    chosen = []
    for item in request.session.items:
        key = getattr(item, 'callspec', None) and item.callspec.params.get('key')
        if key and item.module is request.module and key not in chosen and runs(key, mode):
            chosen.append(key)
    return chosen


def result_of(results: list[dict], key: str) -> list:
    """Each rank's result for ``key``; an exception raised on a rank fails the test with its traceback."""
    per_rank = [r[key] for r in results]
    for rank, result in enumerate(per_rank):
        if isinstance(result, dict) and 'error' in result:
            pytest.fail(f'{key} raised on rank {rank}:\n{result["error"]}')
    return per_rank
