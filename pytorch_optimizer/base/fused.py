"""The fused path: one ``torch.compile`` of an optimizer's own ``_update`` (DESIGN.md §3, issue #10).

``fused=True`` on an elementwise optimizer runs the same ``_update`` body as eager mode, compiled by
inductor into one kernel per tensor (C++ on CPU, Triton on CUDA) that reads the parameter, gradient
and state once and writes them once. Three rules keep the compiled graph valid across steps:

* every value that changes from step to step (the learning rate, bias corrections, schedules) is
  computed on the host by ``_prepare`` and reaches the graph as a 0-d tensor, never as a Python float
  baked into the kernel; ``_update`` reads neither ``group['lr']`` nor ``group['step']`` (the group
  it receives has neither), and combines such scalars only through ops that accept a 0-d tensor
  (``torch._foreach_mul_``/``div_`` and :func:`~pytorch_optimizer.base.functional.add_scaled_`);
* tensors are passed as flat 1-D views in lists of at most ``FUSED_BATCH`` tensors compiled with
  dynamic sizes, so one graph serves every batch (compile time does not grow with the model);
* Python flags the update branches on (e.g. rectification switching on) are guarded: a flip costs one
  extra compile, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

FUSED_BATCH = 16  # tensors per compiled call: more calls cost Python overhead, more tensors compile time
_HOST_ONLY = ('params', 'lr', 'step', 'initial_lr')
_COMPILED: dict[type, Any] = {}


def compiled_update(cls: type) -> Any:
    """``torch.compile(cls._update, dynamic=True)``, created once per class."""
    if cls not in _COMPILED:
        _COMPILED[cls] = torch.compile(cls._update, dynamic=True, fullgraph=True, options={'size_asserts': False})
    return _COMPILED[cls]


def static_group(group: dict[str, Any]) -> dict[str, Any]:
    """The group without its per-step entries, which would otherwise be baked into the graph."""
    return {k: v for k, v in group.items() if k not in _HOST_ONLY}


def as_tensors(shared: dict[str, Any], ref: Tensor) -> dict[str, Any]:
    """Float entries of ``shared`` as 0-d tensors on ``ref``'s device (float64 for float64 parameters)."""
    dtype = torch.float64 if ref.dtype == torch.float64 else torch.float32
    return {
        k: torch.tensor(v, dtype=dtype, device=ref.device) if isinstance(v, float) else v for k, v in shared.items()
    }


def _flat(tensors: list[Tensor]) -> list[Tensor]:
    """1-D views when every tensor of one parameter is contiguous (in-place writes still reach them)."""
    if all(t.is_contiguous() for t in tensors):
        return [t.view(-1) for t in tensors]
    return tensors


def fused_batches(
    params: list[Tensor], grads: list[Tensor], states: list[dict[str, Tensor]], keys: tuple[str, ...]
) -> Iterator[tuple[list[Tensor], list[Tensor], dict[str, list[Tensor]]]]:
    """Batches of at most ``FUSED_BATCH`` tensors of one (device, dtype), as flat views."""
    buckets: dict[tuple[torch.device, torch.dtype], list[int]] = {}
    for i, p in enumerate(params):
        buckets.setdefault((p.device, p.dtype), []).append(i)
    for idx in buckets.values():
        for start in range(0, len(idx), FUSED_BATCH):
            chosen = idx[start : start + FUSED_BATCH]
            batch = [_flat([params[i], grads[i], *(states[i][k] for k in keys)]) for i in chosen]
            states_out = {k: [b[2 + j] for b in batch] for j, k in enumerate(keys)}
            yield [b[0] for b in batch], [b[1] for b in batch], states_out


def fused_step(
    optimizer: Any,
    group: dict[str, Any],
    params: list[Tensor],
    grads: list[Tensor],
    states: list[dict[str, Tensor]],
    shared: dict[str, Any],
    keys: tuple[str, ...],
) -> None:
    """Run ``optimizer._update`` compiled over every batch of ``group``."""
    update = compiled_update(type(optimizer))
    fixed = static_group(group)
    scalars: dict[tuple[torch.device, torch.dtype], dict[str, Any]] = {}
    for batch_params, batch_grads, batch_states in fused_batches(params, grads, states, keys):
        ref = batch_params[0]
        if (ref.device, ref.dtype) not in scalars:
            scalars[ref.device, ref.dtype] = as_tensors(shared, ref)
        update(optimizer, fixed, batch_params, batch_grads, **batch_states, **scalars[ref.device, ref.dtype])
