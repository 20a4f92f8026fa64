"""The docs table and the distributed tests read the same metadata (no process group needed)."""

from __future__ import annotations

from pytorch_optimizer.base.optimizer import BaseOptimizer
from pytorch_optimizer.distributed import MODES, distributed_support, support_matrix, support_table
from pytorch_optimizer.registry import OPTIMIZERS


def test_every_optimizer_has_a_row():
    matrix = support_matrix()
    assert list(matrix) == OPTIMIZERS.names()
    table = support_table()
    for key in matrix:
        assert f'* - ``{key}``' in table


def test_rows_follow_class_metadata():
    assert BaseOptimizer.supports_fsdp is True
    for key, entry in OPTIMIZERS.entries.items():
        row = distributed_support(key)
        assert set(row) == set(MODES)
        for support in row.values():
            assert support.ok or support.reason, f'{key}: a "no" without a reason'
        cls = entry.cls
        if getattr(cls, 'requires_closure', False) or getattr(cls, 'second_order', False):
            assert not any(s.ok for s in row.values()), key
        elif getattr(cls, 'global_statistics', False):
            assert row['ddp'].ok and not row['zero'].ok, key
        if issubclass(cls, BaseOptimizer) and not cls.supports_fsdp:
            assert not row['fsdp2'].ok and 'NotImplementedError' in row['fsdp2'].reason, key
