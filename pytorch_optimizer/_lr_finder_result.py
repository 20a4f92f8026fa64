"""The curve of an LR range test: :class:`LRFinderResult` (with its plot) and :func:`suggest_lr`.

Reference: Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the LR range test).
https://arxiv.org/abs/1506.01186
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LRFinderResult:
    """The curve of an LR range test: ``losses[i]`` is the smoothed loss after a step with ``lrs[i]``."""

    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    raw_losses: list[float] = field(default_factory=list)
    suggestion: float | None = None
    diverged: bool = False

    def plot(self, ax: Any = None, *, log_lr: bool = True, path: str | None = None) -> Any:
        """Plot loss against LR with the suggestion marked (needs matplotlib); returns the axes."""
        try:
            import matplotlib

            if ax is None and path is not None:
                matplotlib.use('Agg')
            import matplotlib.pyplot as plt
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError('LRFinderResult.plot needs matplotlib: pip install "pytorch_optimizer[viz]"') from error
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.lrs, self.losses, label='smoothed loss')
        if self.suggestion is not None:
            ax.axvline(self.suggestion, color='red', linestyle='--', label=f'suggestion {self.suggestion:.3g}')
        if log_lr:
            ax.set_xscale('log')
        ax.set(xlabel='learning rate', ylabel='loss', title='LR range test')
        ax.legend()
        if path is not None:
            ax.figure.savefig(path)
        return ax


def suggest_lr(
    lrs: Sequence[float], losses: Sequence[float], skip_start: int = 10, skip_end: int = 5, log_lr: bool = True
) -> float | None:
    """The LR where the loss falls fastest against ``log(lr)`` (or ``lr``), ignoring the curve's ends."""
    xs = [math.log(lr) for lr in lrs] if log_lr else list(lrs)
    lo, hi = max(1, skip_start), min(len(lrs) - 1, len(lrs) - skip_end)
    best, best_slope = None, math.inf
    for i in range(lo, hi):
        slope = (losses[i + 1] - losses[i - 1]) / (xs[i + 1] - xs[i - 1])
        if slope < best_slope:
            best, best_slope = lrs[i], slope
    return best
