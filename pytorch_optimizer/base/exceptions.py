"""Exceptions raised by the zoo.

Each subclasses the builtin that torch itself would raise in the same situation, so ``except``
clauses written for ``torch.optim`` keep working.
"""


class NoSparseGradientError(RuntimeError):
    """An optimizer that does not support sparse gradients received one."""

    def __init__(self, owner: str, note: str = '') -> None:
        super().__init__(f'{owner} does not support sparse gradients{note}; use a dense gradient or SparseAdam')


class NoComplexParameterError(RuntimeError):
    """An optimizer whose math is only defined for real tensors received a complex parameter."""

    def __init__(self, owner: str) -> None:
        super().__init__(f'{owner} does not support complex parameters; optimize torch.view_as_real(p) instead')


class NoClosureError(RuntimeError):
    """An optimizer that must re-evaluate the loss was stepped without a closure."""

    def __init__(self, owner: str, note: str = '') -> None:
        super().__init__(f'{owner} requires a closure: call optimizer.step(closure){note}')


class MissingGraphError(RuntimeError):
    """A second-order optimizer found gradients without a differentiable graph."""

    def __init__(self, owner: str) -> None:
        super().__init__(f'{owner} needs Hessian-vector products: call loss.backward(create_graph=True) before step()')


class ZeroParameterSizeError(ValueError):
    """A parameter list was empty where at least one parameter is needed."""
