"""``scipy.optimize.minimize`` as a torch optimizer, with gradients and Hessian-vector products by autograd.

Reference: Virtanen et al., "SciPy 1.0: Fundamental Algorithms for Scientific Computing in Python",
Nature Methods 2020 (https://doi.org/10.1038/s41592-019-0686-2). Interface after torchzero 0.4.4
``ScipyMinimize``. Needs the ``scipy`` extra (``pip install "pytorch_optimizer[scipy]"``); scipy is
imported when the optimizer is built, not when this module is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

try:
    import numpy as np
except ImportError:  # the extra is missing: building the optimizer raises a clear ImportError first
    np = None
import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.validation import check_choice, check_number, owner_name
from pytorch_optimizer.wrappers._closure import as_float, loss_and_grad, loss_value, real_view

GRADIENT_METHODS = frozenset(
    ('cg', 'bfgs', 'newton-cg', 'l-bfgs-b', 'tnc', 'slsqp', 'dogleg', 'trust-ncg', 'trust-krylov', 'trust-exact')
    + ('trust-constr',)
)
HESSIAN_METHODS = frozenset(('newton-cg', 'dogleg', 'trust-ncg', 'trust-krylov', 'trust-exact'))
HESSP_METHODS = frozenset(('newton-cg', 'trust-ncg', 'trust-krylov'))
METHODS = ('nelder-mead', 'powell', 'cobyla', 'cobyqa', *sorted(GRADIENT_METHODS))


def import_scipy_optimize(owner: Any) -> Any:
    """``scipy.optimize``, or an ``ImportError`` that says how to install the extra."""
    try:
        import scipy.optimize
    except ImportError as error:  # pragma: no cover - exercised only without scipy
        raise ImportError(f'{owner_name(owner)} needs scipy: pip install "pytorch_optimizer[scipy]"') from error
    return scipy.optimize


class ScipyMinimize(Optimizer):
    r"""Each ``step(closure)`` runs one complete ``scipy.optimize.minimize`` from the current parameters.

    The parameters of all groups are flattened into one float64 vector :math:`x` (complex ones as
    real pairs). The objective writes :math:`x` into the parameters and returns ``closure(False)``;
    with ``jac='autograd'`` and a gradient method it returns the loss and the gradient of ``closure()``
    (``None`` gradients count as zero) for **every** parameter tensor. ``hess='autograd'`` gives the
    Hessian methods Hessian-vector products by double backward through ``closure(False)`` (``hessp``,
    when ``use_hessp`` and the method accepts it) or the dense Hessian built from :math:`n` of them.
    Per-group ``lb``/``ub`` (a group's own ``'lb'``/``'ub'`` keys override the defaults) become
    per-element bounds. Afterwards the parameters hold ``res.x``; ``step`` returns ``res.fun`` (a
    float) and ``state['scipy']`` records ``nit``, ``nfev``, ``success`` and ``message``.

    Closure convention: ``def closure(backward=True): loss = f(); if backward: opt.zero_grad();
    loss.backward(); return loss``. ``closure(False)`` must build the graph (no ``no_grad`` inside) for
    ``hess='autograd'``.

    Args:
        params: parameters or parameter groups.
        method: a ``scipy.optimize.minimize`` method name (case-insensitive), a callable, or ``None``
            (scipy's default choice).
        lb: lower bound of every element (``None``: unbounded).
        ub: upper bound of every element (``None``: unbounded).
        constraints: passed to ``minimize``.
        tol: passed to ``minimize``.
        callback: passed to ``minimize``.
        options: passed to ``minimize``.
        jac: ``'autograd'``, or a scipy finite-difference option (``'2-point'``, ``'3-point'``, ``'cs'``),
            or ``None`` (no gradient).
        hess: ``'autograd'``, a scipy option (``'2-point'``, ``'3-point'``, ``'cs'``, a
            ``HessianUpdateStrategy``) or ``None``.
        use_hessp: prefer Hessian-vector products to a dense Hessian where the method accepts both.
    """

    requires_closure = True

    def __init__(
        self,
        params: Any,
        method: str | Callable | None = None,
        lb: float | None = None,
        ub: float | None = None,
        constraints: Any = (),
        tol: float | None = None,
        callback: Callable | None = None,
        options: dict[str, Any] | None = None,
        jac: str | None = 'autograd',
        hess: Any = 'autograd',
        use_hessp: bool = True,
    ) -> None:
        import_scipy_optimize(self)
        if isinstance(method, str):
            method = check_choice(self, 'method', method.lower(), METHODS)
        elif method is not None and not callable(method):
            raise TypeError(f'{owner_name(self)}: method must be a method name, a callable or None, got {method!r}')
        for name, bound in (('lb', lb), ('ub', ub), ('tol', tol)):
            if bound is not None:
                check_number(self, name, bound)
        check_choice(self, 'jac', jac, ('autograd', '2-point', '3-point', 'cs', None))
        super().__init__(params, dict(lb=lb, ub=ub))
        # not per-group: kept out of param_groups so state_dict() stays loadable with weights_only=True
        self.settings = dict(method=method, constraints=constraints, tol=tol, callback=callback, options=options)
        self.settings.update(jac=jac, hess=hess, use_hessp=bool(use_hessp))

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), 'settings': self.settings}

    def _params(self) -> list[Tensor]:
        return [p for group in self.param_groups for p in group['params'] if p.requires_grad]

    @torch.no_grad()
    def _write(self, params: list[Tensor], x: np.ndarray) -> None:
        offset = 0
        for p in params:
            view = real_view(p)
            view.copy_(torch.from_numpy(x[offset : offset + view.numel()]).view_as(view))
            offset += view.numel()

    @staticmethod
    def _flat(tensors: Sequence[Tensor | None], params: list[Tensor]) -> np.ndarray:
        parts = [
            (real_view(t) if t is not None else torch.zeros_like(real_view(p))).detach().reshape(-1)
            for t, p in zip(tensors, params)
        ]
        return torch.cat([t.to('cpu', torch.float64) for t in parts]).numpy()

    def _bounds(self, params: list[Tensor]) -> list[tuple[float | None, float | None]] | None:
        bounds = []
        for group in self.param_groups:
            lb, ub = group.get('lb', self.defaults['lb']), group.get('ub', self.defaults['ub'])
            bounds += [(lb, ub)] * sum(real_view(p).numel() for p in group['params'] if p.requires_grad)
        return None if all(b == (None, None) for b in bounds) else bounds

    @staticmethod
    def _split(vector: np.ndarray, params: list[Tensor]) -> list[Tensor]:
        """Cut a flat float64 vector into tensors shaped like the (real views of the) parameters."""
        pieces, offset, flat = [], 0, torch.from_numpy(np.ascontiguousarray(vector))
        for p in params:
            view = real_view(p)
            pieces.append(flat[offset : offset + view.numel()].to(view.device, view.dtype).view_as(view))
            offset += view.numel()
        return pieces

    def _hvp(self, closure: Callable, params: list[Tensor], x: np.ndarray, vectors: list[np.ndarray]) -> np.ndarray:
        """Hessian-vector products at ``x`` by double backward through ``closure(False)``, one row per vector."""
        self._write(params, x)
        rows = []
        with torch.enable_grad():
            grads = torch.autograd.grad(closure(False), params, create_graph=True, allow_unused=True)
            used = [i for i, g in enumerate(grads) if g is not None and g.requires_grad]
            for vector in vectors:
                if not used:  # the gradient does not depend on the parameters: H = 0
                    rows.append(np.zeros_like(x))
                    continue
                pieces = self._split(vector, params)
                dot = sum((real_view(grads[i]) * pieces[i]).sum() for i in used)
                hv = torch.autograd.grad(dot, params, retain_graph=True, allow_unused=True)
                rows.append(self._flat(hv, params))
        return np.stack(rows)

    def step(self, closure: Callable | None = None) -> float:  # type: ignore[override]
        """Run ``scipy.optimize.minimize`` to completion from the current parameters; return ``res.fun``."""
        if closure is None:
            raise NoClosureError(owner_name(self), ': scipy.optimize.minimize evaluates the objective')
        optimize = import_scipy_optimize(self)
        d = self.settings
        params = self._params()
        method = d['method']
        name = method if isinstance(method, str) else None
        uses_grad = d['jac'] == 'autograd' and (method is None or callable(method) or name in GRADIENT_METHODS)

        def objective(x: np.ndarray) -> Any:
            self._write(params, x)
            if uses_grad:
                loss = as_float(loss_and_grad(closure))
                return loss, self._flat([p.grad for p in params], params)
            return as_float(loss_value(closure))

        kwargs: dict[str, Any] = {}
        if d['hess'] == 'autograd':
            if name in HESSP_METHODS and d['use_hessp']:
                kwargs['hessp'] = lambda x, v: self._hvp(closure, params, x, [v])[0]
            elif name in HESSIAN_METHODS:
                kwargs['hess'] = lambda x: self._hvp(closure, params, x, list(np.eye(x.size)))
        elif d['hess'] is not None:
            kwargs['hess'] = d['hess']
        x0 = self._flat(params, params)
        result = optimize.minimize(
            objective,
            x0,
            method=method,
            jac=True if uses_grad else (d['jac'] if d['jac'] != 'autograd' else None),
            bounds=self._bounds(params),
            constraints=d['constraints'],
            tol=d['tol'],
            callback=d['callback'],
            options=d['options'],
            **kwargs,
        )
        self._write(params, np.asarray(result.x, dtype=np.float64))
        status = dict(nit=int(getattr(result, 'nit', -1)), nfev=int(getattr(result, 'nfev', -1)))
        self.state['scipy'] = dict(status, success=bool(result.success), message=str(result.message))
        return float(result.fun)
