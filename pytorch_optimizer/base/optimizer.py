"""BaseOptimizer: everything an optimizer needs except its math.

A subclass writes ``__init__`` (validation + defaults) and ``_update(group, params, grads, **states)``;
``step()`` below is the one template they all share (DESIGN.md §3).
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.exceptions import NoClosureError, NoComplexParameterError, NoSparseGradientError
from pytorch_optimizer.base.fused import fused_step
from pytorch_optimizer.base.validation import check_bool, check_non_negative, owner_name

Params = Iterable[Tensor] | Iterable[dict[str, Any]]
Closure = Callable[[], Any]


def _is_hyperparameter(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_is_hyperparameter(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str, torch.dtype))


_is_dtensor = F.is_dtensor


@cache
def signature_defaults(cls: type) -> dict[str, Any]:
    """Hyperparameter defaults of ``cls.__init__`` (used to fill keys missing from old checkpoints).

    Only plain values (numbers, strings, flags, dtypes, tuples of them) count: arguments that are
    objects (a model, a loss function, a data loader) are not group hyperparameters.
    """
    skip = {'self', 'params', 'model', 'optimizer'}
    return {
        name: p.default
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name not in skip and p.default is not inspect.Parameter.empty and _is_hyperparameter(p.default)
    }


class BaseOptimizer(Optimizer):
    """Base class of every optimizer of the zoo.

    ``step(closure)``:

    1. runs the closure under ``torch.enable_grad()`` (``NoClosureError`` if ``requires_closure``);
    2. collects the parameters that have a gradient; sparse gradients raise ``NoSparseGradientError``
       unless ``supports_sparse``; complex parameters are optimized as ``torch.view_as_real`` views
       (``NoComplexParameterError`` if ``supports_complex`` is False);
    3. creates missing state lazily with :meth:`init_state`;
    4. advances ``group['step']`` — one clock per parameter group, advanced only when at least one of
       the group's parameters has a gradient; bias corrections of a parameter that joins late (a layer
       unfrozen at step 100) use the group's clock;
    5. with ``maximize`` negates a *copy* of the gradients: ``p.grad`` is never modified;
    6. calls :meth:`_update` over batches (or, with ``fused=True``, its ``torch.compile``-d form over
       flat views: ``base/fused.py``): ``foreach=True`` gives one batch per (device, dtype),
       ``foreach=False`` one batch per tensor, ``foreach=None`` (default) foreach for accelerator
       tensors and cache-sized batches on CPU: whole tensors of one dtype grouped to about
       ``cache_chunk`` elements (a larger tensor alone), except that an *elementwise* update (see
       :meth:`is_elementwise`) also runs over slices of large tensors, so its temporaries stay in
       cache and are recycled and small tensors share each op call (measured in ``benchmarks/step.py``).

    Class metadata read by the factory and the registry-wide tests:

    Attributes:
        state_keys: names of the state tensors, zeros of the parameter's shape unless listed in
            ``scalar_state_keys`` (0-d).
        supports_complex: complex parameters are optimized through their real view.
        supports_sparse: sparse gradients are accepted.
        requires_closure: ``step`` must be given a closure.
        needs_model: the constructor takes the model (the factory passes it).
        second_order: gradients must come from ``backward(create_graph=True)``.
        global_statistics: the update uses statistics over all parameters of a group; such an
            optimizer must skip (mask, without host sync) the whole group's update when a gradient
            is not finite instead of spreading NaN (``base.functional.undo_unless_`` helps); the
            contract suite checks it.
        elementwise: every coordinate's update depends only on that coordinate (no per-tensor norms,
            no shape-dependent math; state shaped like the parameter), so the update may run on
            slices of tensors; ``non_elementwise_flags`` are group switches that break this.
        cache_chunk: elements per eager CPU batch of an elementwise update (1 MiB of float32).
        supports_fsdp: the update is correct on FSDP2-sharded (DTensor) parameters; if False, ``step``
            raises ``NotImplementedError`` on them instead of computing per-shard statistics.
    """

    state_keys: tuple[str, ...] = ()
    scalar_state_keys: frozenset[str] = frozenset({'exp_grad_norm'})
    supports_complex: bool = True
    supports_sparse: bool = False
    requires_closure: bool = False
    needs_model: bool = False
    second_order: bool = False
    global_statistics: bool = False
    supports_fsdp: bool = True
    elementwise: bool = False
    non_elementwise_flags: tuple[str, ...] = ('use_gc', 'adanorm', 'cautious')
    cache_chunk: int = 1 << 18

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        defaults = {'maximize': False, 'foreach': None, **defaults}
        check_bool(self, 'maximize', defaults['maximize'])
        if defaults['foreach'] is not None:
            check_bool(self, 'foreach', defaults['foreach'])
        if 'fused' in defaults:
            check_bool(self, 'fused', defaults['fused'])
        super().__init__(params, defaults)

    # ----------------------------------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group; duplicate parameters and invalid per-group overrides raise ``ValueError``."""
        params = param_group['params']
        params = [params] if isinstance(params, Tensor) else list(params)
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f'{owner_name(self)}: a parameter group lists the same parameter twice')
        super().add_param_group({**param_group, 'params': params})
        group = self.param_groups[-1]
        for key in ('lr', 'weight_decay', 'eps'):
            if group.get(key) is not None and key in param_group:
                check_non_negative(self, key, group[key])
        group.setdefault('step', 0)
        self._check_fused(group)

    def _check_fused(self, group: dict[str, Any]) -> None:
        if not group.get('fused'):
            return
        if group['foreach']:
            raise ValueError(f'{owner_name(self)}: fused=True and foreach=True cannot be set together')
        if not self.elementwise:
            raise ValueError(f'{owner_name(self)}: fused=True needs an elementwise update')
        flags = [flag for flag in self.non_elementwise_flags if group.get(flag)]
        if flags:
            raise ValueError(
                f'{owner_name(self)}: fused=True needs an elementwise update, which {flags[0]}=True breaks'
            )

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for key, value in signature_defaults(type(self)).items():
            self.defaults.setdefault(key, value)
        for group in self.param_groups:
            for key, value in self.defaults.items():
                group.setdefault(key, value)
            group.setdefault('step', 0)

    # ------------------------------------------------------------------------------------------ state
    def state_keys_for(self, group: dict[str, Any]) -> tuple[str, ...]:
        """State names used by ``group`` (override to add keys that depend on flags, e.g. ``ams_bound``)."""
        return self.state_keys

    def init_state(self, group: dict[str, Any], param: Tensor, keys: tuple[str, ...]) -> dict[str, Tensor]:
        """Create the state ``keys`` of one parameter (``param`` is the real view of a complex one)."""
        return {k: param.new_zeros(()) if k in self.scalar_state_keys else torch.zeros_like(param) for k in keys}

    # ------------------------------------------------------------------------------------------- step
    def _gather(self, group: dict[str, Any]) -> tuple[list[Tensor], list[Tensor], list[dict[str, Tensor]]]:
        params, grads, states = [], [], []
        keys = self.state_keys_for(group)
        wanted = frozenset(keys)
        state_of = self.state
        for p in group['params']:
            grad = p.grad
            if grad is None:
                continue
            key = p
            if grad.is_sparse or p.is_complex() or not self.supports_fsdp:  # rare cases, checked in turn
                p, grad = self._special(p, grad)
            state = state_of[key]
            if not wanted <= state.keys():
                state.update(self.init_state(group, p, tuple(k for k in keys if k not in state)))
            params.append(p)
            grads.append(grad)
            states.append(state)
        return params, grads, states

    def _special(self, p: Tensor, grad: Tensor) -> tuple[Tensor, Tensor]:
        """Checks of :meth:`_gather` for a sparse gradient, a complex parameter (its real view is
        optimized) or, where FSDP is unsupported, a sharded one."""
        if not self.supports_fsdp and _is_dtensor(p):
            raise NotImplementedError(
                f'{owner_name(self)} does not support FSDP2-sharded (DTensor) parameters: its update needs '
                'whole-tensor statistics; use DistributedDataParallel or ZeroRedundancyOptimizer instead'
            )
        if grad.is_sparse and not self.supports_sparse:
            raise NoSparseGradientError(owner_name(self))
        if p.is_complex():
            if not self.supports_complex:
                raise NoComplexParameterError(owner_name(self))
            return torch.view_as_real(p), torch.view_as_real(grad)
        return p, grad

    def _batches(self, group: dict[str, Any], params: list[Tensor]) -> list[list[int]]:
        foreach = group['foreach']
        if foreach is None and params[0].device.type == 'cpu':
            return self._whole_tensor_chunks(params)
        if foreach is False:  # None on an accelerator batches per (device, dtype), as True does
            return [[i] for i in range(len(params))]
        batches: dict[tuple[torch.device, torch.dtype], list[int]] = {}
        for i, p in enumerate(params):
            batches.setdefault((p.device, p.dtype), []).append(i)
        return list(batches.values())

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Any:
        """Perform one optimization step.

        Args:
            closure: re-evaluates the model and returns the loss (required where ``requires_closure``).

        Returns:
            the closure's loss, or ``None``.
        """
        if closure is None and self.requires_closure:
            raise NoClosureError(owner_name(self))
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, states = self._gather(group)
            if not params:
                continue
            group['step'] += 1
            if group['maximize']:
                grads = list(torch._foreach_neg(grads))
            shared = self._prepare(group, params, grads, states) or {}
            keys = self.state_keys_for(group)
            if group.get('fused'):
                fused_step(self, group, params, grads, states, shared, keys)
                continue
            if group['foreach'] is None and params[0].device.type == 'cpu' and self.is_elementwise(group):
                for batch_params, batch_grads, batch_states in self._cache_chunks(params, grads, states, keys):
                    self._update(group, batch_params, batch_grads, **batch_states, **shared)
                continue
            for idx in self._batches(group, params):
                self._update(
                    group,
                    [params[i] for i in idx],
                    [grads[i] for i in idx],
                    **{k: [states[i][k] for i in idx] for k in keys},
                    **shared,
                )
        return loss

    def _whole_tensor_chunks(self, params: list[Tensor]) -> list[list[int]]:
        """Batches of whole tensors of one dtype, about ``cache_chunk`` elements each (a larger tensor
        alone): a non-elementwise update keeps per-tensor reductions, its temporaries stay in cache,
        and small tensors share one call of each op."""
        batches: list[list[int]] = []
        open_: dict[torch.dtype, list] = {}  # dtype -> [members, elements]
        for i, p in enumerate(params):
            n, batch = p.numel(), open_.setdefault(p.dtype, [[], 0])
            if batch[0] and batch[1] + n > self.cache_chunk:
                batches.append(batch[0])
                batch[0], batch[1] = [], 0
            batch[0].append(i)
            batch[1] += n
        batches += [members for members, _ in open_.values() if members]
        return batches

    def is_elementwise(self, group: dict[str, Any]) -> bool:
        """Whether ``group``'s update may run on slices of tensors (see ``elementwise``)."""
        return self.elementwise and not any(group.get(flag) for flag in self.non_elementwise_flags)

    def _cache_chunks(self, params, grads, states, keys):
        """Yield (params, grads, states) batches of about ``cache_chunk`` elements: small tensors are
        grouped, large contiguous ones sliced (views, so in-place updates reach the tensors)."""
        chunk = self.cache_chunk
        batch_p, batch_g, batch_s = [], [], [[] for _ in keys]
        size = 0
        for p, g, state in zip(params, grads, states):
            n = p.numel()
            pieces = (
                [[p, g, *(state[k] for k in keys)]]
                if n <= chunk
                else F.cache_slices([p, g, *(state[k] for k in keys)], chunk)
            )
            for piece in pieces:
                batch_p.append(piece[0])
                batch_g.append(piece[1])
                for column, t in zip(batch_s, piece[2:]):
                    column.append(t)
                size += piece[0].numel() if n > chunk else n
                if size >= chunk:
                    yield batch_p, batch_g, dict(zip(keys, batch_s))
                    batch_p, batch_g, batch_s, size = [], [], [[] for _ in keys], 0
        if batch_p:
            yield batch_p, batch_g, dict(zip(keys, batch_s))

    def _prepare(
        self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor], states: list[dict[str, Tensor]]
    ) -> dict[str, Any] | None:
        """Hook for optimizers that need a view of the whole group before the batched update.

        It may replace entries of ``grads`` (a private list: ``grads[i] = clipped``, never modify the
        tensors in place) and may return per-step values shared by every batch (e.g. a group norm, a
        finite flag as a 0-d tensor), passed to each :meth:`_update` call as keyword arguments.
        """

    def _update(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor], **states: list[Tensor]):
        """Apply the update to ``params`` in place (one body for per-tensor and foreach batches)."""
        raise NotImplementedError

    # -------------------------------------------------------------------------------------- helpers
    def apply_weight_decay(
        self,
        group: dict[str, Any],
        params: list[Tensor],
        grads: list[Tensor],
        ratio: float = 1.0,
        lr: float | Tensor | None = None,
    ) -> list[Tensor]:
        """Decay ``params`` (decoupled / fixed) or return ``grads + wd * params`` (coupled, a copy).

        Fused-capable updates pass ``lr`` (from ``_prepare``): their group has no ``'lr'`` entry.
        """
        return F.apply_weight_decay(
            params,
            grads,
            lr=group['lr'] if lr is None else lr,
            weight_decay=group['weight_decay'] * ratio,
            weight_decouple=group.get('weight_decouple', False),
            fixed_decay=group.get('fixed_decay', False),
        )

    def scratch(self, tensors: list[Tensor], slot: str) -> list[Tensor]:
        """Dead buffers shaped like ``tensors`` for a per-step temporary, reused across steps on CPU
        (``functional.scratch``); not state: never saved, and counted by :meth:`scratch_nbytes`."""
        if torch.compiler.is_compiling():  # the fused path: inductor plans its own buffers
            return [torch.empty_like(t) for t in tensors]
        return F.scratch(self.__dict__.setdefault('_scratch_buffers', {}), tensors, slot)

    def into(self, out: str | list[Tensor], op: Callable[..., Tensor], *lists: Any, **kwargs) -> list[Tensor]:
        """``op`` (a torch function with an ``out=`` form and a ``torch._foreach_`` twin, e.g. ``torch.sub``)
        of each tensor of ``lists`` (an argument not a list or tuple, e.g. a float, is shared): on CPU per tensor into
        ``out`` (a list, or a :meth:`scratch` slot: buffers reused between steps, so no page faults),
        elsewhere one ``_foreach`` launch for the list (not one per tensor), copied into a list ``out``."""
        if lists[0][0].device.type == 'cpu':
            buffers = self.scratch(lists[0], out) if isinstance(out, str) else out
            columns = [a if isinstance(a, (list, tuple)) else itertools.repeat(a) for a in lists]
            return [op(*args, out=o, **kwargs) for o, *args in zip(buffers, *columns)]
        result = list(getattr(torch, f'_foreach_{op.__name__}')(*lists, **kwargs))
        if isinstance(out, str):
            return result
        F.copy_(out, result)
        return out

    def scratch_nbytes(self) -> int:
        """Bytes held by :meth:`scratch` buffers (memory outside the state that persists between steps)."""
        buffers = self.__dict__.get('_scratch_buffers', {})
        return sum(b.numel() * b.element_size() for key, b in buffers.items() if key != 'views')

    @staticmethod
    def bias_correction(beta: float, step: int) -> float:
        """``1 - beta ** step``: a Python float computed on the host (no device sync)."""
        return 1.0 - beta**step
