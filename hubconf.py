"""torch.hub entry points: every registered optimizer and LR scheduler, by registry key and class name.

``torch.hub.load(repo, 'adamp', source=...)`` returns the class (keyword arguments bind defaults:
``torch.hub.load(repo, 'adamp', weight_decay=1e-2)`` returns a ``functools.partial``).
"""

from functools import partial as _partial

import pytorch_optimizer as _po  # noqa: F401  (registers everything)
from pytorch_optimizer.registry import LR_SCHEDULERS as _LR_SCHEDULERS
from pytorch_optimizer.registry import OPTIMIZERS as _OPTIMIZERS

dependencies = ['torch']


def _entry_point(factory, name):
    def load(**kwargs):
        return _partial(factory, **kwargs) if kwargs else factory

    load.__name__ = name
    load.__doc__ = f'Return {getattr(factory, "__name__", name)} (registry key {name!r}).'
    return load


for _registry in (_OPTIMIZERS, _LR_SCHEDULERS):
    for _key, _entry in _registry.entries.items():
        globals()[_key] = _entry_point(_entry.load(), _key)
        if not _entry.bound:
            globals().setdefault(_entry.cls.__name__, globals()[_key])
