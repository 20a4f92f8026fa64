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
  parameters that cannot be viewed flat (non-contiguous) or have one element take the eager update;
* Python flags the update branches on (e.g. rectification switching on) are guarded: a flip costs one
  extra compile, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

FUSED_BATCH = 16  # tensors per compiled call: more calls cost Python overhead, more tensors compile time
RECOMPILE_LIMIT = 64  # graphs per optimizer class
_HOST_ONLY = ('params', 'lr', 'step', 'initial_lr')
_COMPILED: dict[type, Any] = {}


def _keep_guard(entry: Any) -> bool:
    """Guard filter: drop the per-tensor metadata guards, which cost ~3 us per tensor per call.

    They are redundant here: every tensor reaching the graph is a contiguous 1-D view with at least two
    elements (so its size is symbolic and its stride 1), and device, dtype and the number of tensors
    are matched by the ``'bucket'`` entry of the group and the list-length guards, which stay, as do
    the guards on sizes (shape environment), on group values and on flags.
    """
    return entry.guard_type != 'TENSOR_MATCH'


def compiled_update(cls: type) -> Any:
    """``torch.compile(cls._update, dynamic=True, fullgraph=True)``, created once per class."""
    if cls not in _COMPILED:
        options = {'size_asserts': False, 'guard_filter_fn': lambda entries: [_keep_guard(e) for e in entries]}
        _COMPILED[cls] = torch.compile(cls._update, dynamic=True, fullgraph=True, options=options)
    return _COMPILED[cls]


def static_group(group: dict[str, Any], ref: Tensor) -> dict[str, Any]:
    """The group without its per-step entries (which would be baked into the graph), tagged with the
    batch's device and dtype so that graphs of different buckets are told apart by a value guard."""
    fixed = {k: v for k, v in group.items() if k not in _HOST_ONLY}
    fixed['bucket'] = f'{ref.device}/{ref.dtype}'
    return fixed


def as_tensors(shared: dict[str, Any], ref: Tensor) -> dict[str, Any]:
    """Float entries of ``shared`` as 0-d tensors on ``ref``'s device (float64 for float64 parameters)."""
    dtype = torch.float64 if ref.dtype == torch.float64 else torch.float32
    return {
        k: torch.tensor(v, dtype=dtype, device=ref.device) if isinstance(v, float) else v for k, v in shared.items()
    }


def fusable(tensors: list[Tensor]) -> bool:
    """Whether one parameter's tensors can enter the graph as flat views (else it runs eagerly)."""
    return tensors[0].numel() > 1 and all(t.is_contiguous() for t in tensors)


def fused_batches(
    params: list[Tensor], grads: list[Tensor], states: list[dict[str, Tensor]], keys: tuple[str, ...]
) -> Iterator[tuple[bool, list[Tensor], list[Tensor], dict[str, list[Tensor]]]]:
    """``(compiled, params, grads, states)`` batches of one (device, dtype): at most ``FUSED_BATCH``
    flat views for the graph, and the rest (0-d, one element, non-contiguous) for the eager update."""
    buckets: dict[tuple[torch.device, torch.dtype, bool], list[list[Tensor]]] = {}
    for i, p in enumerate(params):
        tensors = [p, grads[i], *(states[i][k] for k in keys)]
        fused = fusable(tensors)
        if fused:
            tensors = [t if t.dim() == 1 else t.view(-1) for t in tensors]
        buckets.setdefault((p.device, p.dtype, fused), []).append(tensors)
    for (_, _, fused), members in buckets.items():
        size = FUSED_BATCH if fused else len(members)
        for start in range(0, len(members), size):
            batch = members[start : start + size]
            states_out = {k: [b[2 + j] for b in batch] for j, k in enumerate(keys)}
            yield fused, [b[0] for b in batch], [b[1] for b in batch], states_out


def fused_step(
    optimizer: Any,
    group: dict[str, Any],
    params: list[Tensor],
    grads: list[Tensor],
    states: list[dict[str, Tensor]],
    shared: dict[str, Any],
    keys: tuple[str, ...],
) -> None:
    """Run ``optimizer._update`` compiled over every batch of ``group``.

    One class compiles a graph per (parameter-group settings, device/dtype, batch length, flag values):
    more than dynamo's default limit of 8 in a model with several groups, so the limit is raised here.
    """
    update = compiled_update(type(optimizer))
    with torch._dynamo.config.patch(recompile_limit=max(torch._dynamo.config.recompile_limit, RECOMPILE_LIMIT)):
        _run(optimizer, update, group, params, grads, states, shared, keys)


def _run(optimizer, update, group, params, grads, states, shared, keys) -> None:
    for fused, batch_params, batch_grads, batch_states in fused_batches(params, grads, states, keys):
        ref = batch_params[0]
        scalars = as_tensors(shared, ref) if fused else shared
        if fused:
            update(optimizer, static_group(group, ref), batch_params, batch_grads, **batch_states, **scalars)
        else:
            optimizer._update(group, batch_params, batch_grads, **batch_states, **scalars)
