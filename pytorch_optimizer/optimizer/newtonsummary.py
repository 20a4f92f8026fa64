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
from pytorch_optimizer.base.validation import (
    check_bool,
    check_non_negative,
    check_positive_int,
    check_range,
    owner_name,
)
from pytorch_optimizer.lr_scheduler._gen_probe import evaluate, probe_direction
from pytorch_optimizer.optimizer._newtonsummary_groups import canonical, partition, trivial, wb
from pytorch_optimizer.optimizer._newtonsummary_lrs import compute_hg, nesterov_lrs, set_lrs
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
        name = owner_name(self)
        if (full_loss is None) != (hg_loader is None):
            raise ValueError(f'{name}: give both full_loss and hg_loader, or neither (closure mode)')
        if full_loss is not None and not callable(full_loss):
            raise TypeError(f'{name}: full_loss must be callable, got {full_loss!r}')
        if updater is not None and not isinstance(updater, Optimizer):
            raise TypeError(f'{name}: updater must be a torch.optim.Optimizer, got {updater!r}')
        nest = {'use': False, 'damping_int': 0.0, 'mom_order3_': 0.0, **(dct_nesterov or {})}
        if not isinstance(dct_nesterov, dict | None) or set(nest) - {'use', 'damping_int', 'mom_order3_'}:
            raise ValueError(f"{name}: dct_nesterov takes 'use', 'damping_int', 'mom_order3_', got {dct_nesterov!r}")
        defaults = dict(
            lr=0.0,
            summary_lr=0.0,
            damping=check_range(self, 'damping', damping, 0.0, 1.0, low_inclusive=False, high_inclusive=True),
            nesterov=check_bool(self, "dct_nesterov['use']", nest['use']),
            damping_int=check_non_negative(self, "dct_nesterov['damping_int']", nest['damping_int']),
            mom_order3_=check_range(self, "dct_nesterov['mom_order3_']", nest['mom_order3_'], 0.0, 1.0),
            period_hg=check_positive_int(self, 'period_hg', period_hg),
            mom_lrs=check_range(self, 'mom_lrs', mom_lrs, 0.0, 1.0),
            movavg=check_range(self, 'movavg', movavg, 0.0, 1.0),
            ridge=check_non_negative(self, 'ridge', ridge),
            noregul=check_bool(self, 'noregul', noregul),
            remove_negative=check_bool(self, 'remove_negative', remove_negative),
            maintain_true_lrs=check_bool(self, 'maintain_true_lrs', maintain_true_lrs),
            diagonal=check_bool(self, 'diagonal', diagonal),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0, high_inclusive=True),
            momentum_damp=check_range(self, 'momentum_damp', momentum_damp, 0.0, 1.0, high_inclusive=True),
        )
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

    def _hg_batch(self) -> tuple[Any, Any]:
        for _ in range(2):
            if self._hg_iter is None:
                self._hg_iter = iter(self._hg_loader)
            try:
                batch = next(self._hg_iter)
                return self._pre_hook(batch) if self._pre_hook is not None else batch
            except StopIteration:
                self._hg_iter = None
        raise ValueError(f'{owner_name(self)}: hg_loader is empty')

    @torch.no_grad()
    def step(self, closure: Callable[..., Any] | None = None) -> Any:
        """One step ``θ_s ← θ_s − lr_s u_s``; every ``period_hg`` steps the lrs are recomputed first."""
        if closure is None and self._full_loss is None:
            raise NoClosureError(owner_name(self), ' (or construct it with full_loss and hg_loader)')
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        grads = [p.grad for group in self.param_groups for p in group['params'] if p.grad is not None]
        grads = [g for g in grads if not g.is_sparse]  # a sparse gradient is refused below
        if grads and not bool(torch.stack([torch.isfinite(g).all() for g in grads]).all()):
            return loss  # a non-finite gradient: no buffer, parameter, lr or counter changes
        active, directions = [], []  # active: (group index, group, parameters with a gradient, their real views)
        for index, group in enumerate(self.param_groups):
            originals = [p for p in group['params'] if p.grad is not None]
            fresh = [self.state[p].get('momentum_buffer') is None for p in originals]
            params, grads, states = self._gather(group)
            if not params:
                continue
            bufs = [s['momentum_buffer'] for s in states]
            if self._updater is None:
                torch._foreach_mul_(bufs, group['momentum'])
                torch._foreach_add_(bufs, grads, alpha=1.0 - group['momentum_damp'])
                for buf, grad, first in zip(bufs, grads, fresh):
                    if first:  # a parameter's first buffer is its gradient
                        buf.copy_(grad)
            active.append((index, group, originals, params))
            directions.append(bufs)
        if not active:
            return loss
        indices, groups, originals, views = zip(*active)
        if self._updater is not None:  # u: the displacement of one updater step (its state keeps the step)
            probe = probe_direction(self._updater, unit_lr=False, restore_state=False)
            moved = {p: torch.view_as_real(d) if d.is_complex() else d for ps, ds in probe for p, d in zip(ps, ds)}
            directions = [
                [moved[o] if o in moved else torch.zeros_like(p) for o, p in zip(group_originals, group_views)]
                for group_originals, group_views in zip(originals, views)
            ]
        shared, cfg = self.state['newton_summary'], self.defaults
        step = shared.setdefault('step', 0)
        for group in groups:
            group['step'] += 1
        ok = True
        if step % cfg['period_hg'] == 0:
            with torch.enable_grad():
                value = self._full_loss(*self._hg_batch()) if self._full_loss is not None else evaluate(closure)
                summary = compute_hg(originals, value, directions, noregul=cfg['noregul'], diagonal=cfg['diagonal'])
            ok = all(bool(torch.isfinite(x).all()) for x in summary)  # else skip the step: no NaN spreads
            if ok:
                set_lrs(groups, indices, summary, shared, cfg)
        shared['step'] = step + 1
        if ok:
            for group, params, u in zip(groups, views, directions):
                torch._foreach_add_(params, u, alpha=-group['lr'])
        return loss
