"""FSDP2 (``torch.distributed.fsdp.fully_shard``, DTensor parameters) on 2 gloo CPU ranks, float64.

``fully_shard`` runs on CPU with gloo in torch 2.13. Checks: an optimizer that keeps
``supports_fsdp`` (every elementwise one, and those whose norms DTensor reduces over the whole tensor:
Lamb, LARS, Nero, D-Adaptation, Prodigy, ...) matches the unsharded full-batch run within 1e-6
(relative to how far the parameters moved); one that declares ``supports_fsdp = False`` raises
``NotImplementedError`` naming its class and pointing to DDP / ZeRO — never a silently wrong answer.
"""

from __future__ import annotations

import pytest
import torch

from pytorch_optimizer.distributed import metadata
from pytorch_optimizer.registry import OPTIMIZERS
from tests.distributed import scenarios
from tests.distributed.harness import spawn
from tests.distributed.selection import TIMEOUT, parametrize, result_of, selected

TOLERANCE = 1e-6
CHUNKED = 'lion'  # an elementwise optimizer run again with a tiny cache_chunk (slices of DTensors)


@pytest.fixture(scope='module')
def results(request):
    chunked = [CHUNKED] if any(item.name == 'test_fsdp_cache_chunks' for item in request.session.items) else []
    payload = {'keys': selected(request, 'fsdp2'), 'chunked': chunked, 'cache_chunk': 16}
    return spawn(scenarios.fsdp_scenario, payload, timeout=TIMEOUT)


def _check_matches(key, per_rank):
    rank0, rank1 = per_rank
    for i, (a, b) in enumerate(zip(rank0, rank1)):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=lambda m, i=i: f'{key}: ranks differ at param {i}: {m}')
    full = scenarios.reference(key, torch.float64)
    initial = scenarios.snapshot(scenarios.make_model(torch.float64))
    moved = max(float((f - p).abs().max()) for f, p in zip(full, initial))
    assert moved > 0, f'{key}: {scenarios.STEPS} steps did not move the parameters; the test would be vacuous'
    for i, (a, b, p) in enumerate(zip(rank0, full, initial)):
        torch.testing.assert_close(
            a - p,
            b - p,
            rtol=TOLERANCE,
            atol=TOLERANCE * moved,
            msg=lambda m, i=i: f'{key}: FSDP2 vs unsharded, param {i}: {m}',
        )


@parametrize('fsdp2')
def test_fsdp2(key, results):
    if metadata(key)['supports_fsdp']:
        _check_matches(key, result_of(results, key))
        return
    for rank, result in enumerate(results[r][key] for r in range(2)):
        assert isinstance(result, dict) and 'error' in result, f'{key}: supports_fsdp=False but rank {rank} ran'
        if OPTIMIZERS.entry(key).external:
            continue  # torch's own class: its own error (the matrix records the limitation)
        assert result['type'] == 'NotImplementedError', f'{key}: expected NotImplementedError, got\n{result["error"]}'
        name = OPTIMIZERS.entry(key).cls.__name__
        message = result['error'].strip().splitlines()[-1]
        assert name in message and 'DistributedDataParallel' in message and 'ZeroRedundancyOptimizer' in message


def test_fsdp_cache_chunks(results):
    _check_matches(CHUNKED, result_of(results, f'{CHUNKED}@chunked'))
