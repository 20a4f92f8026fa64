"""Nevergrad's gradient-free optimizers as a torch optimizer (ask/tell over all parameter groups).

Reference: Rapin & Teytaud, "Nevergrad - A gradient-free optimization platform", 2018
(https://github.com/facebookresearch/nevergrad). Interface after torchzero 0.4.4 ``NevergradWrapper``.
Needs the ``nevergrad`` extra (``pip install "pytorch_optimizer[nevergrad]"``); nevergrad is imported
when the optimizer is built, not when this module is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

try:
    import numpy as np
except ImportError:  # the extra is missing: building the optimizer raises a clear ImportError first
    np = None
import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.validation import check_bool, check_number, check_positive_int, owner_name
from pytorch_optimizer.wrappers._closure import as_float, loss_value, real_view


def import_nevergrad(owner: Any) -> Any:
    """``nevergrad``, or an ``ImportError`` that says how to install the extra."""
    try:
        import nevergrad
    except ImportError as error:
        hint = 'pip install "pytorch_optimizer[nevergrad]"'
        raise ImportError(f'{owner_name(owner)} needs nevergrad: {hint}') from error
    return nevergrad


class NevergradOptimizer(Optimizer):
    r"""One nevergrad ask/tell per ``step(closure)``; the parameters are left at the recommendation.

    The parametrization is an ``ng.p.Tuple`` of one ``ng.p.Array`` per parameter tensor of every group
    (complex tensors as real pairs) with the group's bounds (a group's own ``'lb'``/``'ub'`` keys
    override the defaults), initialized at the current values clipped into the bounds (``use_init``).
    Each step: ``x = ask()``,
    :math:`\theta \leftarrow x`, ``loss = closure(False)`` (no gradients), ``tell(x, loss)`` (a
    non-finite loss is told as ``inf``), then :math:`\theta \leftarrow` ``provide_recommendation()``.
    ``step`` returns the loss of the asked candidate. ``budget`` shapes the optimizer's schedule; it
    does not stop the steps. The nevergrad optimizer is built at the first step; ``deepcopy``/``pickle``
    keep it, but ``state_dict()`` (tensors only) holds just the step and evaluation counters, so a run
    resumed from a checkpoint restarts the search from the saved parameters.

    Args:
        params: parameters or parameter groups.
        optimizer_cls: a nevergrad optimizer class or configured optimizer (``ng.optimizers.NGOpt``,
            ``ng.optimizers.OnePlusOne``, ...) or its name in ``ng.optimizers.registry``.
        budget: the evaluation budget given to the nevergrad optimizer.
        lb: lower bound of every element (``None``: unbounded).
        ub: upper bound of every element (``None``: unbounded).
        mutable_sigma: let the mutation scale of each array evolve.
        use_init: start from the current parameter values (else nevergrad's default, zeros).
    """

    requires_closure = True

    def __init__(
        self,
        params: Any,
        optimizer_cls: Any,
        budget: int | None = None,
        lb: float | None = None,
        ub: float | None = None,
        mutable_sigma: bool = False,
        use_init: bool = True,
    ) -> None:
        ng = import_nevergrad(self)
        if isinstance(optimizer_cls, str):
            if optimizer_cls not in ng.optimizers.registry:
                raise ValueError(f'{owner_name(self)}: unknown nevergrad optimizer {optimizer_cls!r}')
            optimizer_cls = ng.optimizers.registry[optimizer_cls]
        elif not callable(optimizer_cls):
            raise TypeError(f'{owner_name(self)}: optimizer_cls must be a nevergrad optimizer, got {optimizer_cls!r}')
        if budget is not None:
            check_positive_int(self, 'budget', budget)
        for name, bound in (('lb', lb), ('ub', ub)):
            if bound is not None:
                check_number(self, name, bound)
        super().__init__(params, dict(lb=lb, ub=ub))
        # not per-group: kept out of param_groups so state_dict() stays loadable with weights_only=True
        self.settings = dict(optimizer_cls=optimizer_cls, budget=budget)
        self.settings.update(mutable_sigma=check_bool(self, 'mutable_sigma', mutable_sigma))
        self.settings.update(use_init=check_bool(self, 'use_init', use_init))
        self.nevergrad_optimizer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        extra = {'settings': self.settings, 'nevergrad_optimizer': self.nevergrad_optimizer}
        return {**super().__getstate__(), **extra}

    def _params(self) -> list[tuple[dict[str, Any], Tensor]]:
        return [(group, p) for group in self.param_groups for p in group['params'] if p.requires_grad]

    def _build(self) -> Any:
        ng, d = import_nevergrad(self), {**self.defaults, **self.settings}
        arrays = []
        for group, p in self._params():
            value = real_view(p).detach().to('cpu', torch.float64).numpy()
            lb, ub = group.get('lb', d['lb']), group.get('ub', d['ub'])
            value = np.clip(value, -math.inf if lb is None else lb, math.inf if ub is None else ub)
            start = dict(init=value) if d['use_init'] else dict(shape=value.shape)
            arrays.append(ng.p.Array(**start, lower=lb, upper=ub, mutable_sigma=d['mutable_sigma']))
        return d['optimizer_cls'](parametrization=ng.p.Tuple(*arrays), budget=d['budget'])

    @torch.no_grad()
    def _write(self, values: tuple[np.ndarray, ...]) -> None:
        for (_, p), value in zip(self._params(), values):
            view = real_view(p)
            view.copy_(torch.as_tensor(np.asarray(value, dtype=np.float64)).view_as(view))

    def step(self, closure: Callable | None = None) -> Any:  # type: ignore[override]
        """Ask a candidate, evaluate it, tell the loss; leave the parameters at the recommendation."""
        if closure is None:
            raise NoClosureError(owner_name(self), ': nevergrad evaluates the loss of each candidate')
        if self.nevergrad_optimizer is None:
            self.nevergrad_optimizer = self._build()
        candidate = self.nevergrad_optimizer.ask()
        self._write(candidate.value)
        loss = loss_value(closure)
        value = as_float(loss)
        self.nevergrad_optimizer.tell(candidate, value if math.isfinite(value) else math.inf)
        self._write(self.nevergrad_optimizer.provide_recommendation().value)
        counters = self.state['nevergrad']
        self.state['nevergrad'] = {'step': counters.get('step', 0) + 1}
        return loss
