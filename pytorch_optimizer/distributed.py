"""Which optimizers work under DDP, ZeroRedundancyOptimizer and FSDP2, read from class metadata.

One function, :func:`distributed_support`, decides from the metadata of a registered optimizer
(``requires_closure``, ``second_order``, ``needs_model``, ``global_statistics``, ``supports_fsdp``)
how it behaves under each data-parallel scheme. The distributed test suite (``tests/distributed``)
reads the same function to choose what it checks, and :func:`support_table` renders it for the docs,
so the table cannot drift from what is tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytorch_optimizer.registry import OPTIMIZERS

MODES = ('ddp', 'zero', 'fsdp2')
MODE_TITLES = {'ddp': 'DDP', 'zero': 'ZeRO', 'fsdp2': 'FSDP2'}

# torch's own classes carry none of the zoo's metadata: what they would declare.
_TORCH_METADATA = {
    'lbfgs': {'requires_closure': True, 'global_statistics': True},
    'sparseadam': {'sparse_only': True},
    'rprop': {'supports_fsdp': False},
}
_TORCH_FSDP = "torch's own implementation fails on DTensor parameters in this torch (an op without a sharding rule)"


_CLOSURE = (
    "its step needs a closure whose loss value drives the update; under data parallelism that loss is "
    'rank-local (DDP averages gradients, not closure values), so ranks would diverge'
)
_SECOND_ORDER = (
    'it needs backward(create_graph=True); DDP does not all-reduce the Hessian-vector products, '
    'so each rank would precondition with its own local curvature'
)
_MODEL = 'its constructor takes the model (the wrapped module differs per scheme)'
_SPARSE = 'not tested: it accepts only sparse gradients (nn.Embedding(sparse=True)), the test model is dense'
_GLOBAL = (
    'its update uses statistics over all parameters of a group, but ZeRO gives each rank an optimizer '
    'over its partition only, so those statistics would be partial'
)
_FSDP = (
    'it declares supports_fsdp = False (whole-tensor math, or tensor ops that DTensor lacks in this torch): '
    'step raises NotImplementedError on sharded (DTensor) parameters; use DDP or ZeRO'
)


@dataclass(frozen=True)
class Support:
    """Whether one optimizer works under one scheme; ``reason`` says why not."""

    ok: bool
    reason: str = ''


def metadata(key: str) -> dict[str, bool]:
    """The distributed-relevant class metadata of registry ``key`` (torch's classes filled in)."""
    entry = OPTIMIZERS.entry(key)
    cls = entry.cls
    meta = {
        name: bool(getattr(cls, name, False))
        for name in ('requires_closure', 'second_order', 'needs_model', 'global_statistics', 'elementwise')
    }
    meta['supports_fsdp'] = bool(getattr(cls, 'supports_fsdp', True))
    meta['sparse_only'] = False
    meta['external'] = entry.external
    if entry.external:
        # torch.optim's single-tensor updates are elementwise and accept DTensor parameters
        meta.update(elementwise=True, **_TORCH_METADATA.get(entry.key, {}))
    return meta


def distributed_support(key: str) -> dict[str, Support]:
    """``{'ddp': Support, 'zero': Support, 'fsdp2': Support}`` for registry ``key``.

    DDP: every optimizer whose step uses only the (all-reduced) gradients. ZeRO: those whose update is
    per parameter (no ``global_statistics``). FSDP2: those that also keep ``supports_fsdp`` (elementwise
    updates, and updates whose norms DTensor reduces over the whole tensor).
    """
    meta = metadata(key)
    blocker = ''
    if meta['sparse_only']:
        blocker = _SPARSE
    elif meta['requires_closure']:
        blocker = _CLOSURE
    elif meta['second_order']:
        blocker = _SECOND_ORDER
    elif meta['needs_model']:
        blocker = _MODEL
    if blocker:
        return dict.fromkeys(MODES, Support(False, blocker))
    return {
        'ddp': Support(True),
        'zero': Support(False, _GLOBAL) if meta['global_statistics'] else Support(True),
        'fsdp2': (
            Support(True) if meta['supports_fsdp'] else Support(False, _TORCH_FSDP if meta['external'] else _FSDP)
        ),
    }


def support_matrix(keys: list[str] | None = None) -> dict[str, dict[str, Support]]:
    """:func:`distributed_support` for ``keys`` (default: every registered optimizer), sorted by key."""
    return {key: distributed_support(key) for key in sorted(keys or OPTIMIZERS.names())}


def support_table(keys: list[str] | None = None) -> str:
    """The optimizer x {DDP, ZeRO, FSDP2} table as reStructuredText (``list-table``), reasons as footnotes.

    "yes" means the distributed suite checks it: DDP bitwise equal to the single-process
    gradient-averaged run, ZeRO resuming bitwise from a consolidated checkpoint, FSDP2 equal to the
    unsharded run within 1e-6 (``PYOPT_DIST_FULL=1 pytest tests/distributed`` runs every optimizer).
    """
    matrix = support_matrix(keys)
    reasons: dict[str, int] = {}
    lines = ['.. list-table::', '   :header-rows: 1', '', '   * - optimizer']
    lines += [f'     - {MODE_TITLES[m]}' for m in MODES]
    for key, row in matrix.items():
        lines.append(f'   * - ``{key}``')
        for mode in MODES:
            support = row[mode]
            if support.ok:
                lines.append('     - yes')
            else:
                number = reasons.setdefault(support.reason, len(reasons) + 1)
                lines.append(f'     - no [{number}]_')
    lines.append('')
    lines += [f'.. [{number}] {reason[0].upper()}{reason[1:]}.' for reason, number in reasons.items()]
    return '\n'.join(lines) + '\n'
