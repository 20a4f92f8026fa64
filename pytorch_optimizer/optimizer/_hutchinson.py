"""Hutchinson estimates of the Hessian diagonal, shared by AdaHessian and SophiaH (not registered).

:func:`hutchinson_estimate` computes ``z ⊙ Hz`` from gradients that carry their graph
(``loss.backward(create_graph=True)``), probes drawn from generators kept in the optimizer state;
:class:`HutchinsonMixin` schedules it and counts the estimates per parameter.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from pytorch_optimizer.base.exceptions import MissingGraphError
from pytorch_optimizer.base.hessian import hvp, rademacher_like
from pytorch_optimizer.base.validation import owner_name
from pytorch_optimizer.optimizer._newton_linalg import _real

GENERATOR_KEY = 'hutchinson_generators'


def hutchinson_estimate(
    optimizer, group: dict[str, Any], n_samples: int, distribution: str, seed: int
) -> list[Tensor]:
    """``(1/n) Σ z ⊙ Hz`` for the parameters of ``group`` that have a gradient (real views, detached).

    The probes are drawn on each parameter's real view from one generator per device whose state is
    kept as a uint8 tensor in ``optimizer.state[GENERATOR_KEY]`` (saved and resumed with ``state_dict``).
    """
    params = [p for p in group['params'] if p.grad is not None]
    grads = [p.grad for p in params]
    if not any(g.requires_grad for g in grads):
        raise MissingGraphError(owner_name(optimizer))
    saved = optimizer.state.setdefault(GENERATOR_KEY, {})
    generators: dict[str, torch.Generator] = {}
    for p in params:
        name = str(p.device)
        if name not in generators:
            generators[name] = torch.Generator(device=p.device)
            if name in saved:
                generators[name].set_state(saved[name])
            else:
                generators[name].manual_seed(seed)
    estimate = [torch.zeros_like(_real(p)) for p in params]
    for _ in range(n_samples):
        zs = []
        for p in params:
            gen, shape = generators[str(p.device)], _real(p).shape
            dtype = p.real.dtype
            z = (
                rademacher_like(torch.empty(shape, dtype=dtype, device=p.device), gen)
                if distribution == 'rademacher'
                else torch.randn(shape, generator=gen, dtype=dtype, device=p.device)
            )
            zs.append(z)
        with torch.enable_grad():
            hz = hvp(
                None,
                params,
                [torch.view_as_complex(z) if p.is_complex() else z for p, z in zip(params, zs)],
                grads=grads,
            )
        torch._foreach_add_(estimate, torch._foreach_mul(zs, [_real(h).detach() for h in hz]), alpha=1.0 / n_samples)
    for name, gen in generators.items():
        saved[name] = gen.get_state()
    return estimate


class HutchinsonMixin:
    """Shared by AdaHessian and SophiaH: a per-parameter count of Hessian estimates (``hessian_updates``,
    a Python int in the state) and the periodic, seeded Hutchinson estimate of the diagonal."""

    def init_state(self, group: dict[str, Any], param: Tensor, keys: tuple[str, ...]) -> dict[str, Any]:
        state = super().init_state(group, param, tuple(k for k in keys if k != 'hessian_updates'))
        if 'hessian_updates' in keys:
            state['hessian_updates'] = 0
        return state

    def due_hessian_estimate(self, group: dict[str, Any], states: list[dict[str, Any]]) -> list[Tensor] | None:
        """The diagonal estimate (negated with ``maximize``) every ``update_period`` steps, or when a parameter
        has none yet; ``None`` otherwise."""
        if (group['step'] - 1) % group['update_period'] and all(s['hessian_updates'] for s in states):
            return None
        diag = hutchinson_estimate(self, group, group['num_samples'], group['hessian_distribution'], group['seed'])
        if group['maximize']:
            torch._foreach_neg_(diag)
        return diag
