"""Name -> class registries behind ``load_*``, ``get_supported_*``, the factory, the CLI and torch.hub.

Keys are lowercase; lookups ignore case, ``-`` and ``_``. A *variant* is a registry row that binds
defaults of a class (``radabelief`` = ``AdaBelief(rectify=True)``); loading it returns a
``functools.partial``.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import torch

T = TypeVar('T', bound=type)


def _normalize(name: str) -> str:
    return name.lower().replace('-', '').replace('_', '')


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


@dataclass(frozen=True)
class Entry:
    """One registry row: a class and the defaults the row binds (empty for the class itself)."""

    key: str
    cls: type
    bound: dict[str, Any] = field(default_factory=dict)
    external: bool = False  # torch's own classes

    def load(self) -> Callable[..., Any]:
        """The class, or a partial of it for a variant."""
        return partial(self.cls, **self.bound) if self.bound else self.cls


class Registry:
    """A case-insensitive name -> class table of one kind (optimizer, lr scheduler, wrapper)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.entries: dict[str, Entry] = {}
        self._lookup: dict[str, str] = {}

    def add(self, key: str, cls: type, bound: dict[str, Any] | None = None, external: bool = False) -> None:
        """Register ``cls`` under ``key``; a duplicate key (after normalization) raises ``KeyError``."""
        norm = _normalize(key)
        if norm in self._lookup:
            raise KeyError(f'{self.kind} {key!r} is already registered (as {self._lookup[norm]!r})')
        self._lookup[norm] = key
        self.entries[key] = Entry(key, cls, dict(bound or {}), external)

    def entry(self, name: str) -> Entry:
        """Return the row for ``name``; an unknown name raises ``ValueError`` naming the closest keys."""
        if not isinstance(name, str):
            raise TypeError(f'{self.kind} name must be a string, got {name!r}')
        key = self._lookup.get(_normalize(name))
        if key is None:
            close = self.suggest(name)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ''
            raise ValueError(f'unknown {self.kind} {name!r}{hint} (see get_supported_{self.kind}s())')
        return self.entries[key]

    def suggest(self, name: str, most: int = 5) -> list[str]:
        """Registered keys closest to ``name``: fewest edits first, then difflib similarity."""
        norm = _normalize(name)
        ranked = sorted(
            self._lookup,
            key=lambda k: (_edits(norm, k), -difflib.SequenceMatcher(None, norm, k).ratio(), k),
        )
        return [self._lookup[k] for k in ranked[:most] if _edits(norm, k) <= max(2, len(norm) // 3)]

    def load(self, name: str) -> Callable[..., Any]:
        """The class (or variant partial) registered as ``name``."""
        return self.entry(name).load()

    def names(self, filters: str | Iterable[str] | None = None) -> list[str]:
        """Sorted keys, optionally restricted to those matching any fnmatch pattern in ``filters``."""
        keys = sorted(self.entries)
        if filters is None:
            return keys
        patterns = [filters] if isinstance(filters, str) else list(filters)
        return [k for k in keys if any(fnmatch.fnmatch(k, p.lower()) for p in patterns)]


OPTIMIZERS = Registry('optimizer')
LR_SCHEDULERS = Registry('lr_scheduler')
WRAPPERS = Registry('wrapper')


def _register(registry: Registry, cls: T | None, name: str | None, variants: dict[str, dict[str, Any]] | None):
    def decorate(c: T) -> T:
        registry.add(name or c.__name__.lower(), c)
        for key, bound in (variants or {}).items():
            registry.add(key, c, bound)
        return c

    return decorate(cls) if cls is not None else decorate


def register_optimizer(cls: T | None = None, *, name: str | None = None, variants: dict | None = None) -> Any:
    """Class decorator: register an optimizer under ``name`` (default: lowercase class name) and variants."""
    return _register(OPTIMIZERS, cls, name, variants)


def register_lr_scheduler(cls: T | None = None, *, name: str | None = None, variants: dict | None = None) -> Any:
    """Class decorator: register an LR scheduler."""
    return _register(LR_SCHEDULERS, cls, name, variants)


def register_wrapper(cls: T | None = None, *, name: str | None = None, variants: dict | None = None) -> Any:
    """Class decorator: register a wrapper (an optimizer that wraps an optimizer)."""
    return _register(WRAPPERS, cls, name, variants)


def load_optimizer(optimizer: str) -> Callable[..., Any]:
    """Return the optimizer class (or variant partial) registered as ``optimizer``."""
    return OPTIMIZERS.load(optimizer)


def load_lr_scheduler(lr_scheduler: str) -> Callable[..., Any]:
    """Return the LR scheduler class registered as ``lr_scheduler``."""
    return LR_SCHEDULERS.load(lr_scheduler)


def load_wrapper(wrapper: str) -> Callable[..., Any]:
    """Return the wrapper class registered as ``wrapper``."""
    return WRAPPERS.load(wrapper)


def get_supported_optimizers(filters: str | Iterable[str] | None = None) -> list[str]:
    """Sorted optimizer keys, e.g. ``get_supported_optimizers('*adam*')``."""
    return OPTIMIZERS.names(filters)


def get_supported_lr_schedulers(filters: str | Iterable[str] | None = None) -> list[str]:
    """Sorted LR-scheduler keys."""
    return LR_SCHEDULERS.names(filters)


def get_supported_wrappers(filters: str | Iterable[str] | None = None) -> list[str]:
    """Sorted wrapper keys."""
    return WRAPPERS.names(filters)


# torch's own classes, under the keys users of the older API know. radam, adamax, adadelta and asgd
# (adaptive SGD) are the zoo's own implementations; torch's remain reachable as torch.optim.*.
TORCH_OPTIMIZERS = {
    'adam': 'Adam',
    'adamw': 'AdamW',
    'sgd': 'SGD',
    'nadam': 'NAdam',
    'rmsprop': 'RMSprop',
    'lbfgs': 'LBFGS',
    'adagrad': 'Adagrad',
    'rprop': 'Rprop',
    'sparseadam': 'SparseAdam',
}
TORCH_LR_SCHEDULERS = {
    'step': 'StepLR',
    'multi_step': 'MultiStepLR',
    'exponential': 'ExponentialLR',
    'cosine_annealing': 'CosineAnnealingLR',
    'cosine_annealing_with_warm_restart': 'CosineAnnealingWarmRestarts',
    'cyclic': 'CyclicLR',
    'one_cycle': 'OneCycleLR',
    'constant': 'ConstantLR',
    'linear_lr': 'LinearLR',
    'polynomial': 'PolynomialLR',
    'lambda': 'LambdaLR',
    'multiplicative': 'MultiplicativeLR',
    'reduce_on_plateau': 'ReduceLROnPlateau',
    'sequential': 'SequentialLR',
    'chained': 'ChainedScheduler',
}
for _key, _name in TORCH_OPTIMIZERS.items():
    OPTIMIZERS.add(_key, getattr(torch.optim, _name), external=True)
for _key, _name in TORCH_LR_SCHEDULERS.items():
    LR_SCHEDULERS.add(_key, getattr(torch.optim.lr_scheduler, _name), external=True)
