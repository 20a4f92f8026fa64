"""Pieces shared by the second-order optimizers of this package (not registered, not auto-imported).

* :func:`hutchinson_estimate` — Hutchinson ``z ⊙ Hz`` from gradients that carry their graph
  (``loss.backward(create_graph=True)``), probes drawn from generators kept in the optimizer state;
* :func:`matrix_inverse_root` — ``(A + ridge)^{-1/p}`` of a symmetric PSD matrix by ``eigh`` in float64;
* :func:`dense_hessian`, :func:`fd_gradient_hessian`, :func:`newton_solve` — dense Newton machinery
  for small problems (Newton, NewtonFDM, LevenbergMarquardt, SubspaceNewton).

They live by topic in :mod:`._hutchinson` (Hutchinson estimates), :mod:`._newton_derivatives` (dense
gradients and Hessians, by autograd or finite differences) and :mod:`._newton_linalg` (flat real vectors,
``eigh`` solves); this module gathers them under one import path.
"""

from __future__ import annotations

from pytorch_optimizer.optimizer._hutchinson import GENERATOR_KEY, HutchinsonMixin, hutchinson_estimate
from pytorch_optimizer.optimizer._newton_derivatives import (
    check_params,
    dense_hessian,
    derivatives,
    fd_gradient_hessian,
    hessian_products,
    value_and_grads,
)
from pytorch_optimizer.optimizer._newton_linalg import (
    apply_step,
    flatten,
    matrix_inverse_root,
    newton_solve,
    unflatten,
)

__all__ = [
    'GENERATOR_KEY',
    'HutchinsonMixin',
    'apply_step',
    'check_params',
    'dense_hessian',
    'derivatives',
    'fd_gradient_hessian',
    'flatten',
    'hessian_products',
    'hutchinson_estimate',
    'matrix_inverse_root',
    'newton_solve',
    'unflatten',
    'value_and_grads',
]
