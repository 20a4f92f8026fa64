"""The fused path: one ``torch.compile`` of an optimizer's own ``_update`` (DESIGN.md §3, issue #10).

``fused=True`` on an elementwise optimizer runs the same ``_update`` body as eager mode, compiled by
inductor into one kernel per tensor (C++ on CPU, Triton on CUDA) that reads the parameter, gradient
and state once and writes them once. Three rules keep the compiled graph valid across steps:

* every value that changes from step to step (the learning rate, bias corrections, schedules) is
  computed on the host by ``_prepare`` and reaches the graph as a 0-d tensor, never as a Python float
  baked into the kernel; ``_update`` reads neither ``group['lr']`` nor ``group['step']`` (the group
  it receives has neither), and combines such scalars only through ops that accept a 0-d tensor
  (``torch._foreach_mul_``/``div_`` and :func:`~pytorch_optimizer.base.functional.add_scaled_`);
* tensors are passed as flat 1-D views in lists of exactly ``FUSED_BATCH`` tensors (a short batch is
  padded with small scratch tensors) compiled with dynamic, non-duck-typed sizes, so one graph serves
  every batch of every model (compile time does not grow with the model); parameters that cannot be
  viewed flat (non-contiguous) or have one element take the eager update, as do, off CPU, parameters
  under ``ACCELERATOR_MIN_NUMEL`` elements (there a compiled call costs more host time than eager
  foreach ops over the whole bucket). The views are cached per parameter group and rebuilt when a
  parameter or state tensor changes;
* Python flags the update branches on (e.g. rectification switching on) are guarded: a flip costs one
  extra compile, once.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx.experimental._config as fx_config
from torch import Tensor

FUSED_BATCH = 8  # tensors per compiled call: more calls cost Python overhead, more tensors compile time
RECOMPILE_LIMIT = 64  # graphs per optimizer class
PAD_NUMEL = 2  # elements of a padding tensor: the smallest size dynamo keeps symbolic
# Off CPU, a compiled call costs ~200 us of host time (guards, wrappers, a Triton launch taking every
# tensor's pointer; H100, torch 2.11) whatever the sizes, while eager foreach ops take a whole bucket per
# launch: parameters smaller than this run eagerly there (Lion over 200 tensors of <= 65K elements:
# 3.4 ms a step compiled, 0.8 ms eager; over 4 tensors of 5.2M elements the compiled step is faster).
ACCELERATOR_MIN_NUMEL = 1 << 20
_HOST_ONLY = ('params', 'lr', 'step', 'initial_lr')
_COMPILED: dict[type, tuple[Any, Any]] = {}


def _keep_guard(entry: Any) -> bool:
    """Guard filter: drop the per-tensor metadata guards, which cost ~3 us per tensor per call.

    They are redundant here: every tensor reaching the graph is a contiguous 1-D view with at least two
    elements (so its size is symbolic and its stride 1), and device, dtype and the number of tensors
    are matched by the ``'bucket'`` entry of the group and the list-length guards, which stay, as do
    the guards on sizes (shape environment), on group values and on flags.
    """
    return entry.guard_type != 'TENSOR_MATCH'


def compiled_update(cls: type) -> tuple[Any, Any]:
    """``(torch.compile(cls._update, dynamic=True, fullgraph=True), proxy)``, created once per class.

    The graph is called with ``proxy``, an uninitialised instance of ``cls`` that lives as long as the
    class, as ``self``: dynamo guards ``self`` by identity, so passing the optimizer itself would tie
    the graph to it (every new optimizer would recompile, up to the recompile limit). ``_update`` may
    read class attributes and call methods of ``self``, not instance state.
    """
    if cls not in _COMPILED:
        # loop reordering has nothing to reorder in 1-D loops, and torch 2.11's asserts on the foreach
        # nodes of some updates (Adai on CUDA: ``ForeachKernelSchedulerNode`` in ``reorder_loops_by_dep_pair``)
        options = {
            'size_asserts': False,
            'loop_ordering_after_fusion': False,
            'guard_filter_fn': lambda entries: [_keep_guard(e) for e in entries],
        }
        compiled = torch.compile(cls._update, dynamic=True, fullgraph=True, options=options)
        _COMPILED[cls] = (compiled, cls.__new__(cls))
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


def _flat(t: Tensor) -> Tensor:
    """``t`` as a 1-D tensor that is not a view (a view would make dynamo guard its base's shape, so
    1-D and n-D parameters could not share a slot) yet shares ``t``'s memory and version counter: a copy
    only for a non-contiguous gradient, which the update reads and never writes."""
    return (t if t.dim() == 1 else t.reshape(-1)).detach()


class _Batch:
    """One compiled call: indices into the group's gathered lists and the flat views of their parameter
    and state tensors, padded to ``FUSED_BATCH`` with ``PAD_NUMEL``-element scratch tensors: every call
    has one length, so a class compiles one graph per parameter-group settings whatever the model."""

    __slots__ = ('idx', 'pad_grads', 'params', 'states')

    def __init__(self, idx: list[int], flats: list[list[Tensor]], keys: tuple[str, ...]) -> None:
        ref = flats[0][0]
        pads = [[ref.new_zeros(PAD_NUMEL) for _ in flats[0]] for _ in range(FUSED_BATCH - len(idx))]
        rows = flats + pads
        self.idx = idx
        self.params = [row[0] for row in rows]
        self.pad_grads = [row[1] for row in pads]
        self.states = {k: [row[2 + j] for row in rows] for j, k in enumerate(keys)}


class _Plan:
    """The batches of one parameter group, rebuilt only when its parameter or state tensors change
    (memory addresses: a live view keeps its storage, so an equal address means the same memory)."""

    def __init__(self, params: list[Tensor], grads: list[Tensor], states: list[dict[str, Tensor]], keys) -> None:
        self.keys = keys
        self.ptrs = _pointers(params, states, keys)
        self.batches: list[_Batch] = []
        self.eager: list[list[int]] = []
        buckets: dict[tuple[torch.device, torch.dtype, bool], list[int]] = {}
        for i, p in enumerate(params):
            fused = fusable([p, *(states[i][k] for k in keys)])
            fused = fused and (p.device.type == 'cpu' or p.numel() >= ACCELERATOR_MIN_NUMEL)
            buckets.setdefault((p.device, p.dtype, fused), []).append(i)
        for (_, _, fused), members in buckets.items():
            if not fused:
                self.eager.append(members)
                continue
            for start in range(0, len(members), FUSED_BATCH):
                idx = members[start : start + FUSED_BATCH]
                flats = [[_flat(t) for t in (params[i], grads[i], *(states[i][k] for k in keys))] for i in idx]
                self.batches.append(_Batch(idx, flats, keys))

    def valid(self, params: list[Tensor], states: list[dict[str, Tensor]], keys) -> bool:
        return keys == self.keys and _pointers(params, states, keys) == self.ptrs


def _pointers(params: list[Tensor], states: list[dict[str, Tensor]], keys) -> list:
    pointers = [p.data_ptr() for p in params] + [p.numel() for p in params] + [p.dtype for p in params]
    for k in keys:
        pointers += [s[k].data_ptr() for s in states]
    return pointers


def _plan(optimizer: Any, group: dict[str, Any], params, grads, states, keys) -> _Plan:
    plans = optimizer.__dict__.setdefault('_fused_plans', {})
    cached = plans.get(id(group))
    if cached is None or cached[0] is not group or not cached[1].valid(params, states, keys):
        cached = plans[id(group)] = (group, _Plan(params, grads, states, keys))
    return cached[1]


def fused_step(
    optimizer: Any,
    group: dict[str, Any],
    params: list[Tensor],
    grads: list[Tensor],
    states: list[dict[str, Tensor]],
    shared: dict[str, Any],
    keys: tuple[str, ...],
) -> None:
    """Run ``optimizer._update`` compiled over every batch of ``group`` (the rest eagerly).

    One class compiles a graph per (parameter-group settings, device/dtype, flag values): more than
    dynamo's default limit of 8 in a model with several groups, so the limit is raised here. Sizes are
    not duck-typed (equal sizes do not share a symbol), so a new model layout does not recompile; float
    settings of the group are specialized (constants guarded by value) rather than traced as symbols,
    which would make dynamo restart its analysis and double the compile time.
    """
    plan = _plan(optimizer, group, params, grads, states, keys)
    update, proxy = compiled_update(type(optimizer))
    limit = max(torch._dynamo.config.recompile_limit, RECOMPILE_LIMIT)
    with (
        torch._dynamo.config.patch(recompile_limit=limit, specialize_float=True),
        fx_config.patch(use_duck_shape=False),
    ):
        tensors: dict[str, tuple[dict, dict]] = {}
        for batch in plan.batches:
            ref = batch.params[0]
            bucket = f'{ref.device}/{ref.dtype}'
            if bucket not in tensors:
                tensors[bucket] = (static_group(group, ref), as_tensors(shared, ref))
            fixed, scalars = tensors[bucket]
            batch_grads = [_flat(g) for g in map(grads.__getitem__, batch.idx)] + batch.pad_grads
            update(proxy, fixed, batch.params, batch_grads, **batch.states, **scalars)
    for idx in plan.eager:
        batch_states = {k: [states[i][k] for i in idx] for k in keys}
        optimizer._update(group, [params[i] for i in idx], [grads[i] for i in idx], **batch_states, **shared)
