"""Wrappers under DDP: Lookahead(AdamW), SAM(AdamW) and SPSA(AdamW) on 2 gloo CPU ranks.

The closure runs the DDP model (SAM evaluates it twice per step, at :math:`w` and at the perturbed
weights; SPSA only evaluates loss values, under ``no_grad``). Checks: the ranks' parameters stay bitwise
identical; they equal *bitwise* the single-process run that averages the two half-batch gradients and
loss values; and they match the single-process full-batch run to float32 round-off. SPSA's update is
driven by the closure's loss value, which is rank-local under DDP: the closure must all-reduce it (the
scenario does); without that the ranks diverge, which is checked too (why the support matrix refuses
``requires_closure`` optimizers with a plain closure).
"""

from __future__ import annotations

import pytest
import torch

from tests.distributed import scenarios
from tests.distributed.harness import spawn
from tests.distributed.selection import TIMEOUT, result_of

WRAPPERS = ('lookahead', 'sam', 'spsa')
# full batch vs DDP: SPSA divides a loss difference by 2h = 2e-3, amplifying the loss's float32 round-off
TOLERANCE = {'spsa': 1e-4}
DEFAULT_TOLERANCE = 1e-5


@pytest.fixture(scope='module')
def results():
    return spawn(scenarios.ddp_wrapper_scenario, [*WRAPPERS, 'spsa@local'], timeout=TIMEOUT)


@pytest.mark.parametrize('name', WRAPPERS)
def test_wrapper_ddp_matches_single_process(name, results):
    rank0, rank1 = result_of(results, name)
    for i, (a, b) in enumerate(zip(rank0, rank1)):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=lambda m, i=i: f'{name}: ranks differ at param {i}: {m}')

    averaged = scenarios.wrapper_reference(name, split=2)
    for i, (a, b) in enumerate(zip(rank0, averaged)):
        torch.testing.assert_close(
            a, b, rtol=0, atol=0, msg=lambda m, i=i: f'{name}: DDP != gradient-averaged run at param {i}: {m}'
        )

    full = scenarios.wrapper_reference(name)
    initial = scenarios.snapshot(scenarios.make_model())
    moved = max(float((f - p).abs().max()) for f, p in zip(full, initial))
    assert moved > 1e-3, f'{name}: {scenarios.STEPS} steps barely moved the parameters; the test would be vacuous'
    tol = TOLERANCE.get(name, DEFAULT_TOLERANCE)
    for i, (a, b) in enumerate(zip(rank0, full)):
        torch.testing.assert_close(
            a, b, rtol=tol, atol=tol * 0.1, msg=lambda m, i=i: f'{name}: DDP vs full batch at param {i}: {m}'
        )


def test_wrapper_is_not_plain_adamw(results):
    """Lookahead and SAM change the trajectory (otherwise the checks above would only re-test AdamW)."""
    adamw = scenarios.reference('adamw')
    for name in ('lookahead', 'sam'):
        rank0 = result_of(results, name)[0]
        assert max(float((a - b).abs().max()) for a, b in zip(rank0, adamw)) > 1e-4, name


def test_spsa_rank_local_loss_diverges(results):
    """Without the all-reduce of the closure's loss, each rank estimates from its own half batch."""
    rank0, rank1 = result_of(results, 'spsa@local')
    assert any(not torch.equal(a, b) for a, b in zip(rank0, rank1))
