"""Test cases for the registry-wide contract suite.

``CASES[key]`` lists the constructor kwargs to test for every registered optimizer key. The tables
live in ``tests/case_tables/<family>.py`` (one per family, each exporting ``CASES``) and are merged
here; a key defined twice is an error, and a registered key without a case fails the suite.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

PROPERTIES = (
    'foreach',  # foreach == per-tensor (bitwise in fp64 unless ``tol``)
    'grad_untouched',  # p.grad never modified
    'maximize',  # maximize(f) == minimize(-f)
    'none_grad',  # params without grad untouched and stateless; all-None step is a no-op
    'state_dict',  # save / torch.load(weights_only=True) / resume bit-identically
    'copy',  # deepcopy and pickle round trips step identically
    'complex',  # complex == view_as_real twin (or NoComplexParameterError)
    'hyperparams',  # bad hyperparameters / unknown kwargs raise with clear messages
    'sparse',  # sparse gradients raise NoSparseGradientError unless supported
    'nan_isolation',  # a NaN gradient in one parameter never changes another
    'bf16',  # bf16 steps stay finite
    'closure',  # a required closure is enforced
    'quadratic',  # converges on an ill-conditioned quadratic
    'rosenbrock',  # makes progress on Rosenbrock
    'logistic',  # fits a separable logistic regression
)


@dataclass
class Case:
    """One constructor configuration of a registry key.

    Attributes:
        kwargs: constructor keyword arguments (besides params).
        lr: learning rate for the convergence tasks (``lrs`` overrides it per task).
        lrs: per-task learning rates, e.g. ``{'rosenbrock': 1e-3}``.
        steps: steps of the convergence tasks.
        skip: property -> reason it does not apply.
        tol: relative tolerance of foreach == per-tensor (0 = bitwise) and ``tol_reason``.
        bad: extra ``(kwargs, exception type, regex)`` rejected at construction.
        converge: run the convergence tasks with this case (by default only the first case does).
    """

    kwargs: dict[str, Any] = field(default_factory=dict)
    lr: float = 1e-1
    lrs: dict[str, float] = field(default_factory=dict)
    steps: int = 300
    skip: dict[str, str] = field(default_factory=dict)
    tol: float = 0.0
    tol_reason: str = ''
    bad: list[tuple[dict[str, Any], type, str]] = field(default_factory=list)
    converge: bool | None = None

    def __post_init__(self) -> None:
        unknown = set(self.skip) - set(PROPERTIES)
        if unknown:
            raise ValueError(f'unknown properties in skip: {sorted(unknown)}')
        if self.tol and not self.tol_reason:
            raise ValueError('a tolerance needs a reason (tol_reason)')


def _load() -> dict[str, list[Case]]:
    from tests import case_tables

    merged: dict[str, list[Case]] = {}
    for module in pkgutil.iter_modules(case_tables.__path__):
        table = importlib.import_module(f'tests.case_tables.{module.name}').CASES
        for key, cases in table.items():
            if key in merged:
                raise KeyError(f'case for {key!r} defined twice (again in case_tables/{module.name}.py)')
            merged[key] = list(cases)
    return merged


CASES: dict[str, list[Case]] = _load()
