"""Optional integrations, imported lazily: ``ScipyMinimize`` (extra ``scipy``) and ``NevergradOptimizer``
(extra ``nevergrad``). Importing this package needs neither; building one without its extra raises an
``ImportError`` naming the ``pip install`` command."""

from typing import Any

_LAZY = {'ScipyMinimize': 'scipy', 'NevergradOptimizer': 'nevergrad'}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f'{__name__}.{_LAZY[name]}'), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
