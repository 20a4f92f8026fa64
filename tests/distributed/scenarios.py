"""What each rank runs (DDP, ZeRO, FSDP2) and the single-process full-batch reference they must match.

Every scenario loops over its optimizer keys inside one process group (starting processes costs
seconds, a key milliseconds) and returns ``{key: result}``; an optimizer that raises becomes
``{'error': traceback}`` for that key only, so one bad optimizer fails one test, not the module.
"""

from __future__ import annotations

import inspect
import os
import traceback
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from pytorch_optimizer.registry import OPTIMIZERS
from tests.cases import CASES

STEPS = 12
BATCH = 16
# ZeRO: steps before the checkpoint, then steps after resuming from it
ZERO_SPLIT = 5
# the contract cases' learning rates are tuned for convergence tasks; a tenth keeps this MLP's 12 steps
# out of the chaotic regime where float32 round-off grows without bound (SM3's lr=2 would)
LR_SCALE = 0.1


def make_model(dtype: torch.dtype = torch.float32) -> nn.Sequential:
    """A small MLP (6 parameter tensors: matrices and biases of uneven sizes), identical on every rank."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 5), nn.Tanh(), nn.Linear(5, 2)).to(dtype)


def make_data(dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return torch.randn(BATCH, 6, generator=gen).to(dtype), torch.randn(BATCH, 2, generator=gen).to(dtype)


def shard(tensor: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """This rank's equal slice of the global batch (mean of the per-rank means = full-batch mean)."""
    return tensor.chunk(world_size)[rank]


def optimizer_kwargs(key: str) -> dict[str, Any]:
    """The first contract case's kwargs, with its convergence learning rate where the class takes ``lr``."""
    case = CASES[key][0]
    kwargs = dict(case.kwargs)
    if 'lr' in inspect.signature(OPTIMIZERS.load(key)).parameters:
        kwargs.setdefault('lr', case.lr * LR_SCALE)
    return kwargs


def build(key: str, params) -> torch.optim.Optimizer:
    return OPTIMIZERS.load(key)(params, **optimizer_kwargs(key))


def train(model: nn.Module, optimizer: torch.optim.Optimizer, inputs, targets, steps: int) -> None:
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(inputs), targets).backward()
        optimizer.step()


def snapshot(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def reference(key: str, dtype: torch.dtype = torch.float32, split: int = 1) -> list[torch.Tensor]:
    """The same training run in one process: on the full batch (``split=1``), or with the gradient
    averaged over ``split`` equal slices of the batch — what DDP computes, in one process."""
    model = make_model(dtype)
    optimizer = build(key, model.parameters())
    inputs, targets = make_data(dtype)
    if split == 1:
        train(model, optimizer, inputs, targets, STEPS)
        return snapshot(model)
    for _ in range(STEPS):
        optimizer.zero_grad()
        for rank in range(split):
            nn.functional.mse_loss(model(shard(inputs, rank, split)), shard(targets, rank, split)).backward()
        for p in model.parameters():
            p.grad.div_(split)
        optimizer.step()
    return snapshot(model)


def _each(keys, run) -> dict[str, Any]:
    results = {}
    for key in keys:
        try:
            results[key] = run(key)
        except Exception as error:  # reported per key by the test
            results[key] = {'error': ''.join(traceback.format_exception(error)), 'type': type(error).__name__}
        dist.barrier()
    return results


# ------------------------------------------------------------------------------------- scenarios (per rank)
def ddp_scenario(rank: int, world_size: int, workdir: str, keys: list[str]) -> dict[str, Any]:
    """Each rank trains a DDP model on its half of the batch; returns the final parameters."""
    inputs, targets = (shard(t, rank, world_size) for t in make_data())

    def run(key):
        model = DistributedDataParallel(make_model())
        train(model, build(key, model.parameters()), inputs, targets, STEPS)
        return snapshot(model.module)

    return _each(keys, run)


def zero_scenario(rank: int, world_size: int, workdir: str, keys: list[str]) -> dict[str, Any]:
    """ZeroRedundancyOptimizer over a zoo optimizer: an uninterrupted run, and a run checkpointed after
    ``ZERO_SPLIT`` steps (``consolidate_state_dict`` on rank 0, saved, loaded by every rank into a fresh
    model and optimizer) and resumed; plus the same training with the plain optimizer under DDP."""
    from torch.distributed.optim import ZeroRedundancyOptimizer

    inputs, targets = (shard(t, rank, world_size) for t in make_data())

    def zero(key, model):
        return ZeroRedundancyOptimizer(
            model.parameters(), optimizer_class=OPTIMIZERS.load(key), **optimizer_kwargs(key)
        )

    def run(key):
        model = DistributedDataParallel(make_model())
        optimizer = zero(key, model)
        train(model, optimizer, inputs, targets, STEPS)
        uninterrupted = snapshot(model.module)

        model = DistributedDataParallel(make_model())
        optimizer = zero(key, model)
        train(model, optimizer, inputs, targets, ZERO_SPLIT)
        optimizer.consolidate_state_dict(to=0)
        path = os.path.join(workdir, f'{key}.pt')
        if rank == 0:
            torch.save({'model': model.module.state_dict(), 'optimizer': optimizer.state_dict()}, path)
        dist.barrier()
        checkpoint = torch.load(path, weights_only=True)
        model = make_model()
        model.load_state_dict(checkpoint['model'])
        model = DistributedDataParallel(model)
        optimizer = zero(key, model)
        optimizer.load_state_dict(checkpoint['optimizer'])
        train(model, optimizer, inputs, targets, STEPS - ZERO_SPLIT)
        resumed = snapshot(model.module)

        model = DistributedDataParallel(make_model())
        train(model, build(key, model.parameters()), inputs, targets, STEPS)
        return {'uninterrupted': uninterrupted, 'resumed': resumed, 'ddp': snapshot(model.module)}

    return _each(keys, run)


def fsdp_scenario(rank: int, world_size: int, workdir: str, payload: dict[str, Any]) -> dict[str, Any]:
    """FSDP2 (``fully_shard`` per layer and at the root, float64): the final full parameters, or the
    error of an optimizer that declares ``supports_fsdp = False``; ``payload['chunked']`` keys run again
    with ``cache_chunk`` elements per eager batch (stored as ``'<key>@chunked'``)."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh('cpu', (world_size,))
    inputs, targets = (shard(t, rank, world_size) for t in make_data(torch.float64))

    def run(key):
        model = make_model(torch.float64)
        for layer in model:
            if isinstance(layer, nn.Linear):
                fully_shard(layer, mesh=mesh)
        fully_shard(model, mesh=mesh)
        optimizer = build(key, model.parameters())
        if chunk:
            optimizer.cache_chunk = chunk
        train(model, optimizer, inputs, targets, STEPS)
        return [p.detach().full_tensor() for p in model.parameters()]

    chunk = 0
    results = _each(payload['keys'], run)
    chunk = payload.get('cache_chunk', 0)
    chunked = _each(payload.get('chunked', []), run)
    results.update({f'{key}@chunked': result for key, result in chunked.items()})
    return results


# ---------------------------------------------------------------------------------- wrappers under DDP
SAM_RHO = 0.05
LOOKAHEAD_K = 3


def build_wrapper(name: str, params) -> torch.optim.Optimizer:
    """A wrapper around the zoo's AdamW (its contract-case kwargs): ``lookahead``, ``sam``, ``spsa``."""
    from pytorch_optimizer.registry import load_wrapper

    if name == 'lookahead':
        return load_wrapper('lookahead')(build('adamw', params), k=LOOKAHEAD_K, alpha=0.5)
    if name == 'sam':
        return load_wrapper('sam')(params, OPTIMIZERS.load('adamw'), rho=SAM_RHO, **optimizer_kwargs('adamw'))
    return load_wrapper('spsa')(build('adamw', params), seed=0)  # same seed on every rank: same directions


def train_wrapper(name: str, model: nn.Module, batches, reduce=None) -> list[torch.Tensor]:
    """``STEPS`` of ``optimizer.step(closure)``; the closure averages the gradient and the loss over
    ``batches`` (several half-batches in one process: what DDP computes), then ``reduce``s the loss value
    (under DDP: the all-reduced mean, so a closure value that drives the update is the same on all ranks)."""
    optimizer = build_wrapper(name, model.parameters())

    def closure(backward: bool = True) -> torch.Tensor:
        if backward:
            optimizer.zero_grad()
        losses = [nn.functional.mse_loss(model(x), y) for x, y in batches]
        if backward:
            for loss in losses:
                loss.backward()
            if len(batches) > 1:
                for p in model.parameters():
                    p.grad.div_(len(batches))
        loss = sum(loss.detach() for loss in losses) / len(batches)
        return reduce(loss) if reduce is not None else loss

    for _ in range(STEPS):
        optimizer.zero_grad()
        optimizer.step(closure)
    return snapshot(model.module if isinstance(model, DistributedDataParallel) else model)


def wrapper_reference(name: str, split: int = 1) -> list[torch.Tensor]:
    """One process: full batch (``split=1``) or gradient and loss averaged over ``split`` batch slices."""
    inputs, targets = make_data()
    batches = [(shard(inputs, r, split), shard(targets, r, split)) for r in range(split)]
    return train_wrapper(name, make_model(), batches)


def ddp_wrapper_scenario(rank: int, world_size: int, workdir: str, names: list[str]) -> dict[str, Any]:
    """Each rank trains a DDP model with a wrapper on its half of the batch; the closure's loss is
    all-reduced (mean). ``'<name>@local'`` runs again with the rank-local loss value."""
    batches = [tuple(shard(t, rank, world_size) for t in make_data())]

    def mean_over_ranks(loss):
        loss = loss.clone()
        dist.all_reduce(loss)
        return loss / world_size

    def run(name):
        base, _, local = name.partition('@')
        return train_wrapper(base, DistributedDataParallel(make_model()), batches, None if local else mean_over_ranks)

    return _each(names, run)


# ------------------------------------------------------------------- gradient plug-ins on FSDP2 shards
CLIP_MAX_NORM = 0.05  # below the MLP's gradient norm: the clip is active
AGC_CLIP = 0.2  # clips some rows of the MLP's weight gradients, not all, and every bias
PLUGIN_LR = 0.5


def plugin_run(model: nn.Module, inputs, targets) -> dict[str, Any]:
    """From one backward pass: each gradient, its unit norms and its AGC-clipped version, then the global
    norm and the gradients after ``clip_grad_norm``; then ``STEPS`` of SGD with ``attach_agc`` and of SGD
    with ``attach_clip_grad_norm`` (fresh copies of ``model`` built by the caller: ``model`` is a factory)."""
    from pytorch_optimizer.plugins.agc import agc, attach_agc, unit_norm
    from pytorch_optimizer.plugins.clip_grad_norm import attach_clip_grad_norm, clip_grad_norm

    def full(t):
        return (t.full_tensor() if hasattr(t, 'full_tensor') else t).detach().clone()

    net = model()
    nn.functional.mse_loss(net(inputs), targets).backward()
    params = list(net.parameters())
    out = {
        'grads': [full(p.grad) for p in params],
        'unit_norms': [full(unit_norm(p.grad)) for p in params],
        'agc': [full(agc(p, p.grad, agc_clip_val=AGC_CLIP)) for p in params],
        'placements': [str(getattr(p, 'placements', None)) for p in params],
        # what a per-shard (wrong) unit norm would give: shows the checks can tell the two apart
        'local_unit_norms': [unit_norm(p.grad.to_local()) for p in params if hasattr(p.grad, 'to_local')],
    }
    out['total_norm'] = full(clip_grad_norm(params, CLIP_MAX_NORM))
    out['clipped'] = [full(p.grad) for p in params]
    for name, attach in (('train_agc', attach_agc), ('train_clip', attach_clip_grad_norm)):
        net = model()
        optimizer = torch.optim.SGD(net.parameters(), lr=PLUGIN_LR)
        attach(optimizer, AGC_CLIP if name == 'train_agc' else CLIP_MAX_NORM)
        train(net, optimizer, inputs, targets, STEPS)
        out[name] = [full(p) for p in net.parameters()]
    return out


def fsdp_plugin_scenario(rank: int, world_size: int, workdir: str, dims: list[int]) -> dict[str, Any]:
    """FSDP2 (float64) with matrices sharded on dim ``d`` for each ``d`` in ``dims`` (``fully_shard``'s
    default is Shard(0): whole rows per rank; Shard(1) splits rows across the ranks, used where the
    columns divide evenly, as FSDP2 requires); vectors on dim 0."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor import Shard

    mesh = init_device_mesh('cpu', (world_size,))
    inputs, targets = (shard(t, rank, world_size) for t in make_data(torch.float64))

    def run(dim):
        def placement(p):  # FSDP2 shards dim > 0 only evenly
            return Shard(dim if p.dim() > 1 and p.size(dim) % world_size == 0 else 0)

        def model():
            net = make_model(torch.float64)
            for layer in net:
                if isinstance(layer, nn.Linear):
                    fully_shard(layer, mesh=mesh, shard_placement_fn=placement)
            fully_shard(net, mesh=mesh, shard_placement_fn=placement)
            return net

        return plugin_run(model, inputs, targets)

    return _each(dims, run)


def plugin_reference() -> dict[str, Any]:
    """The unsharded full-batch run of :func:`plugin_run` in one process."""
    return plugin_run(lambda: make_model(torch.float64), *make_data(torch.float64))
