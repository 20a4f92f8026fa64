"""Embedded training tasks (no downloads) used by ``python -m pytorch_optimizer compare``.

* ``teacher``: a student MLP learns the labels of a random teacher MLP (synthetic classification).
* ``rosenbrock``: the 2-D Rosenbrock function from (-1.5, 2).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from pytorch_optimizer.registry import OPTIMIZERS


@dataclass
class Result:
    """Outcome of one run."""

    name: str
    task: str
    lr: float
    losses: list[float] = field(default_factory=list)
    accuracy: float | None = None
    ms_per_step: float = 0.0
    state_bytes: int = 0
    num_params: int = 0

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else float('nan')


class Task:
    """A model, a loss closure factory and an optional accuracy."""

    name = ''
    default_steps = 200

    def model(self, seed: int) -> nn.Module:
        raise NotImplementedError

    def loss(self, model: nn.Module, step: int) -> torch.Tensor:
        raise NotImplementedError

    def evaluate(self, model: nn.Module) -> tuple[float, float | None]:
        raise NotImplementedError


class TeacherStudent(Task):
    """Synthetic 4-class classification: labels from a fixed random teacher MLP; mini-batches of 64."""

    name = 'teacher'
    default_steps = 200

    def __init__(self, n: int = 1024, dim: int = 16, classes: int = 4) -> None:
        gen = torch.Generator().manual_seed(1234)
        self.x = torch.randn(n, dim, generator=gen)
        teacher = nn.Sequential(nn.Linear(dim, 32), nn.Tanh(), nn.Linear(32, classes))
        with torch.no_grad():
            for p in teacher.parameters():
                p.copy_(torch.randn(p.shape, generator=gen))
            self.y = teacher(self.x).argmax(dim=1)
        self.dim, self.classes = dim, classes

    def model(self, seed: int) -> nn.Module:
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Linear(self.dim, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, self.classes)
        )

    def loss(self, model: nn.Module, step: int) -> torch.Tensor:
        idx = torch.arange(step * 64, step * 64 + 64) % self.x.shape[0]
        return nn.functional.cross_entropy(model(self.x[idx]), self.y[idx])

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> tuple[float, float | None]:
        logits = model(self.x)
        return nn.functional.cross_entropy(logits, self.y).item(), (logits.argmax(1) == self.y).float().mean().item()


class Rosenbrock(Task):
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2); minimum 0 at (1, 1)."""

    name = 'rosenbrock'
    default_steps = 500

    def model(self, seed: int) -> nn.Module:
        module = nn.Module()
        module.xy = nn.Parameter(torch.tensor([-1.5, 2.0]))
        return module

    def loss(self, model: nn.Module, step: int) -> torch.Tensor:
        x, y = model.xy
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> tuple[float, float | None]:
        return self.loss(model, 0).item(), None


TASKS: dict[str, Callable[[], Task]] = {'teacher': TeacherStudent, 'rosenbrock': Rosenbrock}


def build_optimizer(name: str, model: nn.Module, lr: float, steps: int) -> torch.optim.Optimizer:
    """Instantiate a registered optimizer, filling the arguments a comparison can supply."""
    factory = OPTIMIZERS.load(name)
    cls = OPTIMIZERS.entry(name).cls
    signature = inspect.signature(factory).parameters
    kwargs: dict[str, Any] = {}
    if 'lr' in signature:
        kwargs['lr'] = lr
    if 'num_iterations' in signature:
        kwargs['num_iterations'] = steps
    if getattr(cls, 'needs_model', False) or 'model' in signature:
        kwargs['model'] = model
    return factory(list(model.parameters()), **kwargs)


LR_METHODS = {'gen': ('exact', 1), 'genapprox': ('approx', 4)}


def split_name(name: str) -> tuple[str, str | None]:
    """``'adam+gen'`` -> ``('adam', 'gen')``: an optimizer with a second-order learning-rate method."""
    base, _, method = name.partition('+')
    if method and method not in LR_METHODS:
        raise ValueError(f'unknown learning-rate method {method!r} in {name!r}; choose from {sorted(LR_METHODS)}')
    return base, method or None


def train(name: str, task: Task, lr: float, steps: int, seed: int = 0, evaluate_every: int = 10) -> Result:
    """Train ``task`` with optimizer ``name`` (``'adam+gen'``: with GeN) and return the loss curve and costs."""
    from pytorch_optimizer.lr_scheduler.gen import GeN

    base, method = split_name(name)
    model = task.model(seed)
    optimizer = build_optimizer(base, model, lr, steps)
    scheduler = None
    if method is not None:
        mode, every = LR_METHODS[method]
        scheduler = GeN(optimizer, 0.0, 10.0, mode=mode, update_every=every)
    create_graph = bool(getattr(optimizer, 'second_order', False))
    result = Result(name, task.name, lr, num_params=sum(p.numel() for p in model.parameters()))
    elapsed = 0.0
    for step in range(steps):

        def closure(backward: bool = True, step: int = step) -> torch.Tensor:
            loss = task.loss(model, step)
            if backward:
                optimizer.zero_grad()
                loss.backward(create_graph=create_graph)
            return loss

        def probe(backward: bool = False, step: int = step) -> torch.Tensor:
            return task.loss(model, -1 - step)  # another batch than the step's own (see GeN's docstring)

        closure()
        start = time.perf_counter()
        if scheduler is not None:
            scheduler.step(probe)
        optimizer.step(closure) if getattr(optimizer, 'requires_closure', False) else optimizer.step()
        elapsed += time.perf_counter() - start
        if step % evaluate_every == 0 or step == steps - 1:
            loss, accuracy = task.evaluate(model)
            result.losses.append(loss)
            result.accuracy = accuracy
            if not torch.isfinite(torch.tensor(loss)):
                break
    result.ms_per_step = 1e3 * elapsed / max(step + 1, 1)
    result.state_bytes = sum(
        v.numel() * v.element_size()
        for s in optimizer.state.values()
        for v in s.values()
        if isinstance(v, torch.Tensor)
    )
    return result
