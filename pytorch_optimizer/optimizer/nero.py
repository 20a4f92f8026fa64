"""Nero: neuron-wise relative updates on a constrained (centred, unit-norm) weight space.

Reference: Liu, Bernstein, Meister & Yue, "Learning by Turning: Neural Architecture Aware Optimisation",
ICML 2021. https://arxiv.org/abs/2102.07227 (official code: https://github.com/jxbz/nero)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_bool, check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


def _rows(x: Tensor) -> Tensor:
    return x.reshape(x.shape[0], -1)


def neuron_norm(x: Tensor) -> Tensor:
    """Norm of each neuron (row of dim 0) in the shape ``(n, 1, ...)``; element-wise ``|x|`` for 0/1-d tensors."""
    if x.dim() <= 1:
        return x.abs()
    return torch.linalg.vector_norm(_rows(x), dim=1).view((-1,) + (1,) * (x.dim() - 1))


def _project_(xs: list[Tensor], eps: float) -> None:
    """Centre every neuron of 2+-d tensors and rescale it to unit norm, in place (per tensor: row statistics)."""
    for x in xs:
        x.sub_(_rows(x).mean(dim=1).view((-1,) + (1,) * (x.dim() - 1)))
    norms = [neuron_norm(x) for x in xs]
    torch._foreach_add_(norms, eps)
    for x, n in zip(xs, norms):
        x.div_(n)


def _stack_norm(s: Tensor) -> Tensor:
    """:func:`neuron_norm` of same-shaped 2+-d tensors stacked ``(n, rows, ...)``."""
    return torch.linalg.vector_norm(s.flatten(2), dim=2).view(s.shape[:2] + (1,) * (s.dim() - 2))


def _stacked_step_(eps: float, project: bool) -> Callable[[Tensor, Tensor, Tensor], None]:
    """``p += g / d`` on a stack of same-shaped 2+-d tensors, then (``project``) :func:`_project_` (for
    :func:`F.update_stacked_`: off CPU, launches per shape, not per tensor)."""

    def step_(p: Tensor, g: Tensor, d: Tensor) -> None:
        p.addcdiv_(g, d)
        if project:  # centre each neuron (the trailing dimensions of a row), then rescale it to unit norm
            dims = tuple(range(2, p.dim()))
            p.sub_(p.mean(dim=dims, keepdim=True))
            p.div_(torch.linalg.vector_norm(p, dim=dims, keepdim=True).add_(eps))

    return step_


def _split(xs: list[Tensor]) -> tuple[list[int], list[int]]:
    """Indices of the 0/1-d tensors (element-wise neurons: foreach ops) and of the 2+-d ones (rows)."""
    return [i for i, x in enumerate(xs) if x.dim() <= 1], [i for i, x in enumerate(xs) if x.dim() > 1]


@register_optimizer
class Nero(BaseOptimizer):
    r"""Per-neuron normalised steps; with ``constraints`` every neuron stays centred with unit norm.

    .. math::
        \bar v_t = \beta \bar v_{t-1} + (1-\beta) \lVert g_t \rVert^2, \quad
        w \leftarrow w - \eta\, \sigma \frac{g_t}{\sqrt{\bar v_t/(1-\beta^t)} + \epsilon}, \quad
        w \leftarrow \frac{w - \mathrm{mean}(w)}{\lVert w - \mathrm{mean}(w)\rVert + \epsilon}

    per neuron :math:`w` (a row along dim 0 of a tensor with 2+ dimensions; each entry of a 0/1-d tensor), with
    :math:`\sigma` the tensor's mean initial neuron norm (1 after the initial projection; 0.01 if zero). The
    projection (also applied once at the first step) is used only with ``constraints`` on 2+-d tensors.
    :math:`\epsilon` (absent from the paper) comes from the older library and guards zero norms.

    Args:
        params: parameters or parameter groups.
        lr: relative step size :math:`\eta`.
        beta: :math:`\beta` of the running average of squared neuron gradient norms.
        constraints: keep neurons of 2+-d tensors centred with unit norm.
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('exp_avg_sq', 'scale')
    scalar_state_keys = frozenset({'scale'})

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        beta: float = 0.999,
        *,
        constraints: bool = True,
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            beta=check_range(self, 'beta', beta, 0.0, 1.0),
            constraints=check_bool(self, 'constraints', constraints),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def init_state(self, group, param, keys):
        if group['constraints'] and param.dim() > 1:
            _project_([param], group['eps'])
        norms = neuron_norm(param)
        scale = norms.mean()
        return {'exp_avg_sq': torch.zeros_like(norms), 'scale': torch.where(scale == 0, 0.01, scale)}

    def _update(self, group, params, grads, exp_avg_sq, scale):
        beta, eps = group['beta'], group['eps']
        flat, rows = _split(params)
        stacked = bool(rows) and F.cuda_bucket(grads)  # off CPU same-shaped 2+-d tensors as stacks
        norms = [None] * len(grads) if stacked else [neuron_norm(g) if g.dim() > 1 else None for g in grads]
        for i, n in zip(rows, F.stacked(_stack_norm, [grads[i] for i in rows]) if stacked else ()):
            norms[i] = n
        for i, n in zip(flat, torch._foreach_abs([grads[i] for i in flat]) if flat else ()):
            norms[i] = n
        torch._foreach_mul_(norms, norms)
        torch._foreach_mul_(exp_avg_sq, beta)
        torch._foreach_add_(exp_avg_sq, norms, alpha=1.0 - beta)
        denom = torch._foreach_div(exp_avg_sq, 1.0 - math.pow(beta, group['step']))
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, eps)
        # p -= lr * s * g / denom, in one pass: the (per-neuron) denominator carries the scale
        torch._foreach_div_(denom, torch._foreach_mul(scale, -group['lr']))
        if flat:
            torch._foreach_addcdiv_(*([xs[i] for i in flat] for xs in (params, grads, denom)))
        if stacked:  # (n, 1, ...) denominators broadcast over each row: per stack of same-shaped tensors
            step_ = _stacked_step_(eps, group['constraints'])
            F.update_stacked_(step_, *([xs[i] for i in rows] for xs in (params, grads, denom)))
            return
        for i in rows:  # or per tensor
            params[i].addcdiv_(grads[i], denom[i])
        if group['constraints'] and rows:
            _project_([params[i] for i in rows], eps)
