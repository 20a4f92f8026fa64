"""Gradient plug-ins on FSDP2-sharded (DTensor) gradients: ``clip_grad_norm``, ``unit_norm``, ``agc``,
``attach_agc``, ``attach_clip_grad_norm``; 2 gloo CPU ranks, float64.

Two shardings: ``fully_shard``'s default Shard(0) (each rank holds whole rows of a matrix, but only part
of every bias vector, whose unit is the whole vector), and Shard(1) on the matrices whose columns divide
evenly (every row split across the ranks). Checks, against the unsharded full-batch run: the global norm
and the clipped gradients, the unit norms and the AGC-clipped gradients (norms over full units: DTensor
reduces the shard norms across the mesh), and 12 SGD steps with each plug-in attached, all within 1e-6;
the ranks agree bitwise. A per-shard unit norm is checked to differ, so the comparison can fail.
"""

from __future__ import annotations

import pytest
import torch

from tests.distributed import scenarios
from tests.distributed.harness import spawn
from tests.distributed.selection import TIMEOUT, result_of

TOLERANCE = 1e-6
DIMS = (0, 1)
KEYS = ('grads', 'unit_norms', 'agc', 'clipped', 'train_agc', 'train_clip')


@pytest.fixture(scope='module')
def results():
    return spawn(scenarios.fsdp_plugin_scenario, list(DIMS), timeout=TIMEOUT)


@pytest.fixture(scope='module')
def reference():
    ref = scenarios.plugin_reference()
    assert float(ref['total_norm']) > 2 * scenarios.CLIP_MAX_NORM, 'the clip would be inactive'
    matrices = [(clipped, grad) for clipped, grad in zip(ref['agc'], ref['grads']) if grad.dim() == 2]
    rows = [not torch.equal(a, g) for clipped, grad in matrices for a, g in zip(clipped, grad)]
    assert any(rows) and not all(rows), f'AGC should clip some rows, not all: {rows}'
    return ref


def _close(actual, expected, what):
    assert len(actual) == len(expected), what
    for i, (a, b) in enumerate(zip(actual, expected)):
        scale = float(b.abs().max()) or 1.0
        torch.testing.assert_close(
            a, b, rtol=TOLERANCE, atol=TOLERANCE * scale, msg=lambda m, i=i: f'{what}, tensor {i}: {m}'
        )


@pytest.mark.parametrize('dim', DIMS, ids=[f'shard{d}' for d in DIMS])
def test_plugins_on_fsdp2_shards(dim, results, reference):
    rank0, rank1 = result_of(results, dim)
    expected = {0: 'Shard(dim=0)', 1: 'Shard(dim=1)'}[dim]
    assert any(expected in p for p in rank0['placements']), rank0['placements']
    for key in KEYS:
        for i, (a, b) in enumerate(zip(rank0[key], rank1[key])):
            assert torch.equal(a, b), f'shard{dim}: {key} differs between ranks at tensor {i}'
        _close(rank0[key], reference[key], f'shard{dim}: {key} vs unsharded')
    torch.testing.assert_close(rank0['total_norm'], reference['total_norm'], rtol=TOLERANCE, atol=0)

    # the full-unit norms differ from per-shard ones where a unit is split (every bias; rows under Shard(1))
    split = [
        i
        for i, (local, full) in enumerate(zip(rank0['local_unit_norms'], reference['unit_norms']))
        if local.shape != full.shape or not torch.allclose(local, full)
    ]
    assert len(split) >= (5 if dim == 1 else 3), f'shard{dim}: per-shard unit norms differ only at {split}'
