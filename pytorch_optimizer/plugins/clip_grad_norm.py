"""Global-norm gradient clipping over all parameters (DTensor / sharded gradients included).

Reference: Pascanu et al., "On the difficulty of training recurrent neural networks", ICML 2013.
https://arxiv.org/abs/1211.5063
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.distributed as dist
from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.plugin import attach_grad_transform
from pytorch_optimizer.base.validation import check_bool, check_non_negative


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float = 0.0, sync: bool = False) -> Tensor:
    r"""Return the global L2 norm of the gradients and, if ``max_norm > 0``, clip them to it in place.

    .. math::
        \lVert g \rVert = \sqrt{\textstyle\sum_i \lVert g_i \rVert^2}, \quad
        g_i \leftarrow g_i \min\Big(1, \frac{c}{\lVert g \rVert + 10^{-6}}\Big)

    The norm is computed by ``torch.nn.utils.get_total_norm`` and applied by
    ``torch.nn.utils.clip_grads_with_norm_``, so DTensor gradients (FSDP2, tensor parallel) work where
    torch supports them. With ``sync`` and an initialized process group, the squared local norm is
    summed over ranks first (plain tensors holding shards, e.g. FSDP1 / ZeRO). A non-finite total norm
    leaves the gradients unchanged (no host sync: masked with ``torch.where``), so a NaN in one
    gradient does not spread to every parameter; the returned norm is then non-finite.

    Args:
        parameters: parameters (or a single one) whose ``.grad`` is clipped; ``None`` gradients are skipped.
        max_norm: :math:`c`; 0 only measures.
        sync: all-reduce the squared norm over the default process group.
    """
    check_non_negative('clip_grad_norm', 'max_norm', max_norm)
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.nn.utils.get_total_norm(grads, 2.0)
    if sync and dist.is_available() and dist.is_initialized():
        total = total.square()
        dist.all_reduce(total)
        total = total.sqrt()
    if max_norm > 0.0:
        safe = torch.where(torch.isfinite(total), total, torch.zeros_like(total))
        torch.nn.utils.clip_grads_with_norm_([p for p in params if p.grad is not None], max_norm, safe)
    return total


def attach_clip_grad_norm(optimizer: Optimizer, max_norm: float, sync: bool = False) -> RemovableHandle:
    """Clip the global gradient norm of all the optimizer's parameters before each ``step()``."""
    check_non_negative('attach_clip_grad_norm', 'max_norm', max_norm)
    check_bool('attach_clip_grad_norm', 'sync', sync)

    def transform(params: list[Tensor], grads: list[Tensor]) -> None:
        clip_grad_norm(params, max_norm, sync)

    return attach_grad_transform(optimizer, transform)
