"""The LR range test itself: :class:`LRFinder` and :func:`find_lr` (see :mod:`pytorch_optimizer.lr_finder`).

Reference: Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the LR range test).
https://arxiv.org/abs/1506.01186
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from pytorch_optimizer._lr_finder_result import LRFinderResult, suggest_lr
from pytorch_optimizer.base.validation import check_choice, check_positive, check_positive_int, check_range


class LRFinder:
    """LR range test on ``model`` with ``optimizer``; model and optimizer are restored after :meth:`range_test`.

    Args:
        model: the model to train (its parameters must be those of ``optimizer``).
        optimizer: any ``torch.optim.Optimizer``; param groups keep their LR ratios to group 0 and the
            swept and suggested LRs are group 0's.
        criterion: ``criterion(model(inputs), targets)`` for batches from a ``train_loader``.
        device: where batches are moved (default: the device of the model's first parameter).
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        criterion: Callable[..., torch.Tensor] | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f'LRFinder: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}')
        self.model, self.optimizer, self.criterion = model, optimizer, criterion
        first = next(iter(model.parameters()), None)
        self.device = torch.device(device) if device is not None else (first.device if first is not None else None)
        self._saved: tuple[Any, ...] | None = None
        self._create_graph = bool(getattr(optimizer, 'second_order', False))  # Hessian-based optimizers

    def _save(self) -> None:
        grads = [None if p.grad is None else p.grad.detach().clone() for p in self.model.parameters()]
        self._saved = (
            copy.deepcopy(self.model.state_dict()),
            copy.deepcopy(self.optimizer.state_dict()),
            grads,
        )

    def reset(self) -> None:
        """Restore the model (parameters, buffers, gradients) and the optimizer saved at the test's start."""
        if self._saved is None:
            return
        model_state, optimizer_state, grads = self._saved
        self.model.load_state_dict(model_state)
        self.optimizer.load_state_dict(optimizer_state)
        for p, g in zip(self.model.parameters(), grads):
            p.grad = g

    def _loss_fn(self, train_loader: Iterable | None, closure: Callable[[int], torch.Tensor] | None):
        if closure is not None:
            return closure
        if train_loader is None or self.criterion is None:
            raise ValueError('LRFinder: pass closure=, or train_loader= together with criterion=')
        state: dict[str, Any] = {'it': iter(train_loader), 'step': -1, 'batch': None}

        def loss_fn(step: int) -> torch.Tensor:
            if step != state['step']:  # a new step takes a new batch; a re-evaluation (closure) reuses it
                try:
                    batch = next(state['it'])
                except StopIteration:
                    state['it'] = iter(train_loader)
                    batch = next(state['it'])
                state['step'], state['batch'] = step, [x.to(self.device) for x in batch]
            inputs, targets = state['batch']
            return self.criterion(self.model(inputs), targets)

        return loss_fn

    def range_test(
        self,
        train_loader: Iterable | None = None,
        *,
        closure: Callable[[int], torch.Tensor] | None = None,
        start_lr: float = 1e-7,
        end_lr: float = 10.0,
        num_iter: int = 100,
        step_mode: str = 'exp',
        smooth_f: float = 0.05,
        diverge_th: float = 5.0,
        skip_start: int = 10,
        skip_end: int = 5,
        restore: bool = True,
    ) -> LRFinderResult:
        """Run the range test and return the curve and the suggestion.

        Args:
            train_loader: iterable of ``(inputs, targets)`` batches (re-iterated when exhausted).
            closure: instead of a loader, ``closure(step)`` returning the loss of mini-batch ``step``
                (forward only: the finder zeroes the gradients and calls ``backward``).
            start_lr: first LR (``> 0``).
            end_lr: last LR (``> start_lr``).
            num_iter: number of steps.
            step_mode: ``'exp'`` (geometric sweep) or ``'linear'``.
            smooth_f: weight ``1 - beta`` of the new loss in the debiased moving average, in ``(0, 1]``.
            diverge_th: stop when the smoothed loss exceeds ``diverge_th`` times its minimum (``> 1``).
            skip_start: points ignored at the start when suggesting.
            skip_end: points ignored at the end when suggesting.
            restore: restore the model and optimizer afterwards.
        """
        start_lr = check_positive(self, 'start_lr', start_lr)
        end_lr = check_range(self, 'end_lr', end_lr, start_lr, math.inf, low_inclusive=False)
        num_iter = check_positive_int(self, 'num_iter', num_iter)
        check_choice(self, 'step_mode', step_mode, ('exp', 'linear'))
        beta = 1.0 - check_range(self, 'smooth_f', smooth_f, 0.0, 1.0, low_inclusive=False, high_inclusive=True)
        diverge_th = check_range(self, 'diverge_th', diverge_th, 1.0, math.inf, low_inclusive=False)
        loss_fn = self._loss_fn(train_loader, closure)
        groups = self.optimizer.param_groups
        ratios = [g['lr'] / groups[0]['lr'] if groups[0]['lr'] else 1.0 for g in groups]
        needs_closure = getattr(self.optimizer, 'requires_closure', False)
        self._save()
        result, average, best = LRFinderResult(), 0.0, math.inf
        try:
            for i in range(num_iter + 1):
                self.optimizer.zero_grad()
                loss = loss_fn(i)
                loss.backward(create_graph=self._create_graph)
                value = float(loss.detach())
                if i > 0:  # the loss after the step taken with lrs[i - 1]
                    if not math.isfinite(value):
                        result.diverged = True
                        break
                    average = beta * average + (1.0 - beta) * value
                    smoothed = average / (1.0 - beta**i)
                    result.raw_losses.append(value)
                    result.losses.append(smoothed)
                    best = min(best, smoothed)
                    if smoothed > diverge_th * best:
                        result.diverged = True
                        break
                if i == num_iter:
                    break
                fraction = i / max(num_iter - 1, 1)
                lr = (
                    start_lr * (end_lr / start_lr) ** fraction
                    if step_mode == 'exp'
                    else start_lr + (end_lr - start_lr) * fraction
                )
                result.lrs.append(lr)
                for group, ratio in zip(groups, ratios):
                    group['lr'] = lr * ratio
                if needs_closure:
                    self.optimizer.step(lambda step=i: self._closure_step(loss_fn, step))
                else:
                    self.optimizer.step()
        finally:
            if restore:
                self.reset()
        result.lrs = result.lrs[: len(result.losses)]
        result.suggestion = suggest_lr(result.lrs, result.losses, skip_start, skip_end, step_mode == 'exp')
        return result

    def _closure_step(self, loss_fn: Callable[[int], torch.Tensor], step: int) -> torch.Tensor:
        self.optimizer.zero_grad()
        loss = loss_fn(step)
        loss.backward(create_graph=self._create_graph)
        return loss


def find_lr(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train_loader: Iterable | None = None,
    *,
    criterion: Callable[..., torch.Tensor] | None = None,
    closure: Callable[[int], torch.Tensor] | None = None,
    **kwargs: Any,
) -> LRFinderResult:
    """Run :meth:`LRFinder.range_test` once (keyword arguments as there) and return its result."""
    return LRFinder(model, optimizer, criterion).range_test(train_loader, closure=closure, **kwargs)
