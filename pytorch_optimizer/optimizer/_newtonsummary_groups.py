"""Newton-summary partitions: parameter groups (the subsets of per-subset learning rates) from a model.

Reference: Wolinski, "Adapting Newton's Method to Neural Networks through a Summary of Higher-Order
Derivatives", arXiv 2023. https://arxiv.org/abs/2312.03885 (code: p-wol/GroupedNewton, ``grnewt``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from torch import Tensor, nn


def _groups(model: nn.Module, key: Callable[[str], Any]) -> tuple[list[dict], list[list[str]]]:
    buckets: dict[Any, tuple[list[Tensor], list[str]]] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            params, names = buckets.setdefault(key(name), ([], []))
            params.append(p)
            names.append(name)
    return [{'params': ps} for ps, _ in buckets.values()], [ns for _, ns in buckets.values()]


def _wb_key(name: str) -> int:
    last = name.rsplit('.', 1)[-1]
    return 0 if last == 'weight' else 1 if last == 'bias' else 2


def canonical(model: nn.Module) -> tuple[list[dict], list[list[str]]]:
    """One subset per parameter tensor: ``(param_groups, name_groups)``."""
    return _groups(model, lambda name: name)


def trivial(model: nn.Module) -> tuple[list[dict], list[list[str]]]:
    """One subset holding every parameter."""
    return _groups(model, lambda name: 0)


def wb(model: nn.Module) -> tuple[list[dict], list[list[str]]]:
    """Weights (names ending in ``.weight``), biases (``.bias``), the rest; empty subsets dropped."""
    groups, names = _groups(model, _wb_key)
    order = sorted(range(len(groups)), key=lambda i: _wb_key(names[i][0]))
    return [groups[i] for i in order], [names[i] for i in order]


partition = SimpleNamespace(canonical=canonical, trivial=trivial, wb=wb)
