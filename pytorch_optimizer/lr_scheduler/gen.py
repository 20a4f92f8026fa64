"""GeN: generalized Newton's method, a learning rate from the curvature along the optimizer's own step.

Reference: Bu & Xu, "Gradient Descent with Generalized Newton's Method", ICLR 2025.
https://arxiv.org/abs/2407.02772 (efficient version after the official ``lr_parabola`` of
ShiyunXu/AutoGeN; ``make_gen_optimizer``/``ExactGen`` after dscamiss/generalized-newtons-method).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from pytorch_optimizer.base.exceptions import NoClosureError
from pytorch_optimizer.base.hessian import directional_curvature
from pytorch_optimizer.base.validation import (
    check_bool,
    check_choice,
    check_lr,
    check_positive_int,
    check_range,
    owner_name,
)
from pytorch_optimizer.lr_scheduler._gen_probe import Closure, evaluate, probe_direction
from pytorch_optimizer.registry import register_lr_scheduler

__all__ = ['Closure', 'ExactGen', 'GeN', 'GenOptimizer', 'evaluate', 'make_gen_optimizer', 'probe_direction']


@register_lr_scheduler(name='gen')
class GeN(LRScheduler):
    r"""Learning rate minimizing the second-order model of the loss along the optimizer's step direction.

    With the base optimizer's displacement :math:`\Delta\theta = -\eta d` (``d`` probed with lr 1, the
    optimizer state snapshotted and restored, so the one real ``optimizer.step()`` that follows
    advances moments and step counts exactly once):

    .. math::
        \psi(\eta) = L(\theta - \eta d) \approx L - \eta\, g^\top d + \tfrac12 \eta^2 d^\top H d, \qquad
        \eta^\ast = \frac{g^\top d}{d^\top H d}

    ``mode='exact'``: :math:`d^\top H d` by a Hessian-vector product (double backward), the lr set to
    :math:`\mathrm{clamp}(\eta^\ast, \eta_{min}, \eta_{max})` (``fallback`` when :math:`d^\top H d \le 0`).
    ``mode='approx'`` (the paper's Alg. 1): losses at :math:`\theta - r\eta_{t-1}d`,
    :math:`r \in` ``trial_points`` (forward passes only), a least-squares fit
    :math:`\ell_r - \ell_0 \approx \tfrac12 A x^2 - B x`, and if :math:`A, B > 0` and :math:`R^2 >`
    ``r2_threshold``: :math:`\eta_t = \gamma\eta_{t-1} + (1-\gamma)\,s\,\mathrm{clip}(B/A, \eta_{t-1}/c,
    c\,\eta_{t-1})`; a failed fit halves the lr. Every ``update_every`` calls; the lr is held between.

    Usage: ``loss.backward(); scheduler.step(closure); optimizer.step()``. ``closure(backward=False)``
    (or ``closure()`` for a closure without that flag) must return the loss with its graph and not call
    ``backward``; let it evaluate another batch than the one the gradients came from, as the official
    code does: on the gradients' own batch the estimate is biased upwards (the direction was built from
    that batch's noise), which made Adam diverge in ``benchmarks/gen_compare.py``. GeN syncs with the
    host once per update (the lr is a Python float). The step must be linear in the lr (not
    schedule-free, Prodigy, D-Adaptation). Differences from the references: no double step of the base
    optimizer; ``g`` and ``H`` come from the same closure evaluation; ``per_group=True`` keeps the
    ratios between groups' lrs.

    Args:
        optimizer: the base optimizer (any ``torch.optim.Optimizer``, wrappers included).
        lr_min: lower clamp :math:`\eta_{min}` of the lr.
        lr_max: upper clamp :math:`\eta_{max}` of the lr (``math.inf`` allowed).
        mode: ``'exact'`` (Hessian-vector product) or ``'approx'`` (parabola fit from forward passes).
        update_every: lazy frequency :math:`\Phi`: adapt on calls 1, 1+Φ, 1+2Φ, ...
        per_group: direction :math:`\Delta = (\eta_g d_g)_g` and one multiplier :math:`s^\ast` for all
            groups (``lr_g ← s^\ast lr_g``) instead of one lr written into every group.
        fallback: exact mode, lr when :math:`d^\top H d \le 0` or non-finite (``None`` keeps the lr).
        smoothing: approx mode, :math:`\gamma`.
        trial_points: approx mode, multipliers :math:`r` (exactly one 0, two or more others).
        r2_threshold: approx mode, acceptance threshold of the fit's :math:`R^2`.
        clip: approx mode, :math:`c`: the estimate is clipped to :math:`[\eta/c, c\eta]`.
        scale: approx mode, horizon factor :math:`s \in [0, 1]` (set ``scheduler.scale`` as training goes).
        last_epoch: index of the last call (``-1`` to start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_min: float = 0.0,
        lr_max: float = 1.0,
        mode: str = 'exact',
        update_every: int = 1,
        *,
        per_group: bool = False,
        fallback: float | None = None,
        smoothing: float = 0.9,
        trial_points: Sequence[float] = (-1.0, 0.0, 1.0),
        r2_threshold: float = 0.99,
        clip: float = 2.0,
        scale: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'{owner_name(self)}: optimizer must be a torch.optim.Optimizer, got {optimizer!r}')
        self.lr_min = check_lr(self, lr_min, 'lr_min')
        self.lr_max = check_range(self, 'lr_max', lr_max, self.lr_min, math.inf, high_inclusive=True)
        self.mode = check_choice(self, 'mode', mode, ('exact', 'approx'))
        self.update_every = check_positive_int(self, 'update_every', update_every)
        self.per_group = check_bool(self, 'per_group', per_group)
        self.fallback = check_lr(self, fallback, 'fallback', allow_none=True)
        self.smoothing = check_range(self, 'smoothing', smoothing, 0.0, 1.0)
        points = [check_range(self, 'trial_points', r) for r in trial_points]
        if points.count(0.0) != 1 or len(set(points)) != len(points) or len(points) < 3:
            raise ValueError(f'{owner_name(self)}: trial_points needs one 0 and 2+ others, got {trial_points!r}')
        self.trial_points = points
        self.r2_threshold = check_range(self, 'r2_threshold', r2_threshold, -math.inf, 1.0, high_inclusive=True)
        self.clip = check_range(self, 'clip', clip, 1.0, math.inf)
        self.scale = check_range(self, 'scale', scale, 0.0, 1.0, high_inclusive=True)
        self.last_estimate: float | None = None
        self.last_coefficients: tuple[float, float, float] | None = None
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current lrs (GeN has no closed form: the lr comes from the loss)."""
        return [g['lr'] for g in self.optimizer.param_groups]

    def step(self, closure: Closure | None = None, loss: Tensor | float | None = None) -> list[float]:
        """Adapt the lrs (every ``update_every`` calls); call after ``backward`` and before ``optimizer.step()``.

        Args:
            closure: evaluates the loss (see the class docstring); needed on the calls that adapt.
            loss: approx mode, the loss already computed at the current parameters on the closure's
                batch (saves one of the three forward passes, as in the paper).

        Returns:
            the lr of every param group.
        """
        self._step_count += 1
        self.last_epoch += 1
        if self.last_epoch >= 1 and (self.last_epoch - 1) % self.update_every == 0:
            if closure is None:
                raise NoClosureError(owner_name(self), ' on the calls that adapt the lr')
            probe = probe_direction(self.optimizer, closure=closure)
            lrs = [g['lr'] for g in self.optimizer.param_groups]
            directions = [(ps, [d * lr for d in ds] if self.per_group else ds) for (ps, ds), lr in zip(probe, lrs)]
            params = [p for ps, _ in directions for p in ps]
            d = [x for _, ds in directions for x in ds]
            if params:
                if self.mode == 'exact':
                    new = self._exact(closure, params, d, lrs)
                else:
                    new = self._approx(closure, params, d, lrs, loss)
                for group, lr in zip(self.optimizer.param_groups, new):
                    group['lr'] = lr
        self._last_lr = self.get_lr()
        return self._last_lr

    def _clamp(self, lr: float) -> float:
        return min(max(lr, self.lr_min), self.lr_max)

    def _exact(self, closure: Closure, params: list[Tensor], d: list[Tensor], lrs: list[float]) -> list[float]:
        with torch.enable_grad():
            value = evaluate(closure)
            slope, curvature = directional_curvature(value, params, d)
        gd, dhd = float(slope), float(curvature)
        self.last_coefficients = (float(value.detach()), -gd, 0.5 * dhd)
        if not (math.isfinite(gd) and math.isfinite(dhd) and dhd > 0.0):
            self.last_estimate = None
            return lrs if self.fallback is None else [self.fallback] * len(lrs)
        self.last_estimate = gd / dhd
        if self.per_group:
            return [self._clamp(self.last_estimate * lr) for lr in lrs]
        return [self._clamp(self.last_estimate)] * len(lrs)

    @torch.no_grad()
    def _approx(self, closure, params, d, lrs, loss) -> list[float]:
        eta = 1.0 if self.per_group else lrs[0]
        origin = [p.detach().clone() for p in params]
        losses = []
        try:
            for r in self.trial_points:
                if r == 0.0 and loss is not None:
                    losses.append(float(loss))
                    continue
                for p, o, x in zip(params, origin, d):
                    p.copy_(o).add_(x, alpha=-r * eta)
                losses.append(float(evaluate(closure)))
        finally:
            for p, o in zip(params, origin):
                p.copy_(o)
        self.last_estimate = estimate = self._fit(eta, losses)
        base = lrs if self.per_group else [lrs[0]] * len(lrs)
        if estimate is None:  # the fit failed numerically: halve, like the reference
            return [lr / 2 for lr in base]
        if estimate is math.inf:  # rejected (concave, ascent direction or poor fit): unchanged
            return list(lrs)
        factor = estimate / eta
        gamma = self.smoothing
        clipped = [min(max(factor, 1 / self.clip), self.clip) * lr for lr in base]
        return [self._clamp(gamma * lr + (1 - gamma) * self.scale * c) for lr, c in zip(base, clipped)]

    def _fit(self, eta: float, losses: list[float]) -> float | None:
        """``B / A`` of the least-squares fit (``inf`` when rejected, ``None`` when it fails numerically)."""
        if not all(math.isfinite(v) for v in losses) or eta <= 0.0:
            return None
        zero = losses[self.trial_points.index(0.0)]
        xs = [r * eta for r in self.trial_points]
        ys = [v - zero for v in losses]
        aa = sum(0.25 * x**4 for x in xs)
        ab = sum(-0.5 * x**3 for x in xs)
        bb = sum(x * x for x in xs)
        ay = sum(0.5 * x * x * y for x, y in zip(xs, ys))
        by = sum(-x * y for x, y in zip(xs, ys))
        det = aa * bb - ab * ab
        if det == 0.0 or not math.isfinite(det):
            return None
        a, b = (ay * bb - ab * by) / det, (aa * by - ab * ay) / det
        mean = sum(ys) / len(ys)
        total = sum((y - mean) ** 2 for y in ys)
        residual = sum((0.5 * a * x * x - b * x - y) ** 2 for x, y in zip(xs, ys))
        r2 = 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)
        return b / a if a > 0 and b > 0 and r2 > self.r2_threshold else math.inf


# the reference package's API (ExactGen subclasses GeN, so it is imported once GeN exists)
from pytorch_optimizer.lr_scheduler._gen_compat import ExactGen, GenOptimizer, make_gen_optimizer  # noqa: E402
