"""DDP: 2 gloo ranks on CPU train an MLP on halves of a batch with each zoo optimizer.

Checks: the ranks' parameters stay bitwise identical; they equal *bitwise* the single-process run
that averages the two half-batch gradients (DDP adds nothing to the math); and they match the
single-process full-batch run to float32 round-off.
"""

from __future__ import annotations

import pytest
import torch

from tests.distributed import scenarios
from tests.distributed.harness import spawn
from tests.distributed.selection import TIMEOUT, parametrize, result_of, selected

# full-batch vs DDP: the gradients differ only by float32 round-off, which these updates amplify
TOLERANCE = {
    'shampoo': (1e-3, 'inverse 4th roots of nearly singular float32 statistics amplify gradient round-off ~1000x'),
}
DEFAULT_TOLERANCE = 1e-5


@pytest.fixture(scope='module')
def results(request):
    return spawn(scenarios.ddp_scenario, selected(request, 'ddp'), timeout=TIMEOUT)


@parametrize('ddp')
def test_ddp_matches_single_process(key, results):
    rank0, rank1 = result_of(results, key)
    for i, (a, b) in enumerate(zip(rank0, rank1)):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=lambda m, i=i: f'{key}: ranks differ at param {i}: {m}')

    averaged = scenarios.reference(key, split=2)
    for i, (a, b) in enumerate(zip(rank0, averaged)):
        torch.testing.assert_close(
            a, b, rtol=0, atol=0, msg=lambda m, i=i: f'{key}: DDP != gradient-averaged run at param {i}: {m}'
        )

    full = scenarios.reference(key)
    initial = scenarios.snapshot(scenarios.make_model())
    moved = max(float((f - p).abs().max()) for f, p in zip(full, initial))
    assert moved > 0, f'{key}: {scenarios.STEPS} steps did not move the parameters; the test would be vacuous'
    tol = TOLERANCE.get(key, (DEFAULT_TOLERANCE, ''))[0]
    for i, (a, b) in enumerate(zip(rank0, full)):
        torch.testing.assert_close(
            a, b, rtol=tol, atol=tol * 0.1, msg=lambda m, i=i: f'{key}: DDP vs full batch at param {i}: {m}'
        )
