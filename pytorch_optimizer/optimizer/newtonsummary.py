"""Newton-summary: per-subset learning rates from a summary of second- and third-order derivatives.

Reference: Wolinski, "Adapting Newton's Method to Neural Networks through a Summary of Higher-Order
Derivatives", arXiv 2023. https://arxiv.org/abs/2312.03885 (code: p-wol/GroupedNewton, ``grnewt``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import owner_name
from pytorch_optimizer.optimizer import _newtonsummary_groups as inputs
from pytorch_optimizer.optimizer._newtonsummary_groups import canonical, partition, trivial, wb
from pytorch_optimizer.optimizer._newtonsummary_lrs import compute_hg, set_lrs
from pytorch_optimizer.optimizer._newtonsummary_solve import nesterov_lrs
from pytorch_optimizer.registry import register_optimizer

__all__ = ['NewtonSummary', 'canonical', 'compute_hg', 'nesterov_lrs', 'partition', 'trivial', 'wb']


@register_optimizer
class NewtonSummary(BaseOptimizer):
    r"""Per-subset learning rates :math:`\eta \in R^S` from the loss along a direction ``u`` (Newton-summary).

    For a partition :math:`T_1..T_S` (the param groups; ``NewtonSummary.partition.canonical/trivial/wb(model)``
    build them from a model) and the step :math:`\theta_s \leftarrow \theta_s - \eta_s u_s`, with
    :math:`\varphi(\eta) = L(\theta - \sum_s \eta_s u_s)`: :math:`\bar g = -\nabla\varphi(0)`,
    :math:`\bar H = \nabla^2\varphi(0)`, :math:`D = \mathrm{diag}(|{-\partial^3_{s}\varphi(0)}|^{1/3})`, and
    :math:`\eta^\ast` solves

    .. math::
        \eta = \Big(\bar H + \frac{\lambda_{int}}{2}\|D\eta\| D^2\Big)^{-1}\bar g
        \ \text{(largest } \|D\eta\|\text{)}, \qquad c \leftarrow \rho c + (1-\rho)\eta^\ast, \qquad
        \mathrm{lr}_s = \lambda_1 c_s

    ``u`` is SGD momentum (``buf ← μ buf + (1-μ_d) g``, the first ``buf = g``) or the displacement of one
    ``updater`` step. :math:`\bar H, \bar g, D` are computed every ``period_hg`` steps from a batch of
    ``hg_loader`` through ``full_loss(x, y)`` (``step()`` then needs no closure) or else from
    ``closure(backward=False)``, which must return the loss with its graph (``closure()`` is first called
    as usual for the gradients). The S×S solve runs on the host in float64. A failed cubic solve keeps the
    previous lrs (the reference sets 0); :math:`D = 0` falls back to :math:`\bar H^{-1}\bar g` when
    :math:`\bar H \succ 0`; a non-finite summary skips the step, a non-finite gradient the whole step (momentum
    buffers included). Not picklable with a lambda ``full_loss``.

    Args:
        params: parameters or parameter groups (the partition).
        full_loss: ``full_loss(x, y) -> loss`` for the ``hg_loader`` batches.
        hg_loader: iterable of batches for the summary, cycled endlessly.
        damping: :math:`\lambda_1`, factor on the computed lrs.
        dct_nesterov: ``{'use': bool, 'damping_int': λ_int, 'mom_order3_': EMA factor of D}``.
        period_hg: steps between two summaries.
        mom_lrs: :math:`\rho`, EMA factor of the lrs (0 at the first summary).
        movavg: EMA factor of :math:`(\bar H, \bar g, o_3)`.
        ridge: :math:`\bar H + \text{ridge}\,I` without the cubic regularization.
        noregul: plain :math:`\bar H^{-1}\bar g` (no third derivative computed).
        remove_negative: negative lrs become 0.
        maintain_true_lrs: with ``remove_negative``, smooth the raw lrs and clip only the applied ones.
        diagonal: keep only the diagonal of :math:`\bar H`.
        momentum: :math:`\mu`.
        momentum_damp: :math:`\mu_d`.
        updater: an optimizer over the same parameters whose step gives ``u`` (its state advances once per
            step, the parameters are left untouched).
        loader_pre_hook: maps an ``hg_loader`` batch to ``(x, y)``.
    """

    state_keys = ('momentum_buffer',)
    requires_closure = True
    global_statistics = True
    partition = partition

    def __init__(
        self,
        params: Params,
        full_loss: Callable[[Any, Any], Tensor] | None = None,
        hg_loader: Iterable[Any] | None = None,
        damping: float = 1.0,
        *,
        dct_nesterov: dict[str, Any] | None = None,
        period_hg: int = 1,
        mom_lrs: float = 0.0,
        movavg: float = 0.0,
        ridge: float = 0.0,
        noregul: bool = False,
        remove_negative: bool = False,
        maintain_true_lrs: bool = False,
        diagonal: bool = False,
        momentum: float = 0.0,
        momentum_damp: float = 0.0,
        updater: Optimizer | None = None,
        loader_pre_hook: Callable[[Any], tuple[Any, Any]] | None = None,
    ) -> None:
        defaults = inputs.settings(self, locals())
        self._full_loss, self._hg_loader = full_loss, hg_loader
        self._updater, self._pre_hook, self._hg_iter = updater, loader_pre_hook, None
        super().__init__(params, defaults)

    _EXTRA = ('_full_loss', '_hg_loader', '_updater', '_pre_hook')

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), **{k: getattr(self, k, None) for k in self._EXTRA}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for key in (*self._EXTRA, '_hg_iter'):
            self.__dict__.setdefault(key, None)

    def damping_mul(self, factor: float) -> None:
        """Scale ``damping`` and the current lrs by ``factor`` (e.g. on a plateau)."""
        for group in self.param_groups:
            group['damping'] *= factor
            group['lr'] *= factor

    @torch.no_grad()
    def step(self, closure: Callable[..., Any] | None = None) -> Any:
        """One step ``θ_s ← θ_s − lr_s u_s``; every ``period_hg`` steps the lrs are recomputed first."""
        if closure is None and self._full_loss is None:
            raise NoClosureError(owner_name(self), ' (or construct it with full_loss and hg_loader)')
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        found = inputs.search_directions(self, self._updater)  # None: no gradient, or a non-finite one
        if found is None:
            return loss
        indices, groups, originals, views, directions = found
        shared, cfg = self.state['newton_summary'], self.defaults
        step = shared.setdefault('step', 0)
        for group in groups:
            group['step'] += 1
        ok = True
        if step % cfg['period_hg'] == 0:
            with torch.enable_grad():
                value = inputs.summary_loss(self, closure)
                summary = compute_hg(originals, value, directions, noregul=cfg['noregul'], diagonal=cfg['diagonal'])
            ok = all(bool(torch.isfinite(x).all()) for x in summary)  # else skip the step: no NaN spreads
            if ok:
                set_lrs(groups, indices, summary, shared, cfg)
        shared['step'] = step + 1
        if ok:
            for group, params, u in zip(groups, views, directions):
                torch._foreach_add_(params, u, alpha=-group['lr'])
        return loss
