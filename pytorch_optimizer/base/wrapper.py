"""BaseWrapper: an optimizer that wraps another one and shares its parameter groups."""

from __future__ import annotations

from typing import Any

from torch.optim import Optimizer

from pytorch_optimizer.base.validation import owner_name


class BaseWrapper(Optimizer):
    """Base class of wrappers (Lookahead, SAM family, line searches, ...).

    The wrapper and the inner optimizer share one ``param_groups`` list (a group added to either
    shows in both, an LR scheduler on either drives both); the wrapper keeps its own per-parameter
    ``state``. ``state_dict()`` holds ``{'inner': inner.state_dict(), 'state': <wrapper state>,
    'param_groups': <the shared groups>}`` so a resumed run is bit-identical and wrappers nest;
    ``deepcopy``/``pickle`` keep the inner optimizer. Wrapper hyperparameters live in ``self.defaults``.
    """

    def __init__(self, optimizer: Optimizer, defaults: dict[str, Any]) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'{owner_name(self)}: optimizer must be a torch.optim.Optimizer, got {optimizer!r}')
        self.optimizer = optimizer
        super().__init__(optimizer.param_groups, {})
        self.param_groups = optimizer.param_groups
        self.defaults.update(defaults)

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), 'optimizer': self.optimizer}

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group to the inner optimizer (and so to this wrapper)."""
        if getattr(self, 'optimizer', None) is not None and self.param_groups is self.optimizer.param_groups:
            self.optimizer.add_param_group(param_group)
        else:
            super().add_param_group(param_group)

    def state_dict(self) -> dict[str, Any]:
        """The inner optimizer's state dict and the wrapper's own packed state."""
        inner = self.optimizer.state_dict()
        return {'inner': inner, 'state': super().state_dict()['state'], 'param_groups': inner['param_groups']}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore both the inner optimizer and the wrapper."""
        if 'inner' not in state_dict:
            raise ValueError(f'{owner_name(self)}: not a wrapper state dict (no "inner" entry)')
        self.optimizer.load_state_dict(state_dict['inner'])
        super().load_state_dict({'state': state_dict['state'], 'param_groups': state_dict['param_groups']})
        self.param_groups = self.optimizer.param_groups

    def __repr__(self) -> str:
        return f'{owner_name(self)}({self.optimizer!r})'
