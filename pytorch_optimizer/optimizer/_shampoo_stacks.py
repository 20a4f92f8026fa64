"""Shampoo's and Scalable Shampoo's statistics, roots and preconditioning for stacks of same-shaped blocks.

Off CPU (a CUDA bucket) the blocks of all tensors are grouped by shape and processed a stack at a time
(:class:`Block`, :func:`stacked_blocks`, :func:`inverse_roots`): a few launches per stack, not per block.
Shampoo's whole tensors are blocks too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F


class Block(NamedTuple):
    """A block for :func:`stacked_blocks`: ``key`` (equal for blocks stacked together: shapes, exponent), the
    gradient block (for statistics), the block to precondition (or ``None``), per dimension its ``(d, d)``
    statistic and root (views into the state) or ``None`` (not preconditioned), the exponent :math:`e`, and where
    to write the preconditioned block (or ``None``: returned)."""

    key: tuple
    grad: Tensor
    direction: Tensor | None
    factors: list[tuple[Tensor, Tensor] | None]
    exponent: int
    out: Tensor | None = None


def stacked_blocks(blocks, accumulate, beta, alpha, refresh, roots: Callable) -> list[Tensor | None]:
    r"""Blocks of one shape stacked (:func:`F.shape_chunks`; a single block as a view): statistics
    :math:`L \leftarrow \beta L + \alpha B^{(i)} B^{(i)\top}` by ``baddbmm_`` (if ``accumulate``), roots
    ``roots(stack, exponent)`` (if ``refresh``), preconditioning by ``bmm``; stacked copies of the state are
    written back (with the ``out`` blocks) by one :func:`F.copy_`. Returns each block's preconditioned direction
    (a view of its stack) where it has no ``out``, else ``None``."""
    results: list[Tensor | None] = [None] * len(blocks)
    dst, src = [], []
    sizes = [max([b.grad] + [f[0] for f in b.factors if f], key=Tensor.numel) for b in blocks]
    for idx in F.shape_chunks(sizes, keys=[b.key for b in blocks]):
        chunk = [blocks[i] for i in idx]
        n, first = len(chunk), chunk[0]
        x = None if first.direction is None else _stack([b.direction for b in chunk])
        same = x is not None and all(b.direction is b.grad for b in chunk)  # one stack serves both
        grads = (x if same else _stack([b.grad for b in chunk])) if accumulate else None
        for i, factor in enumerate(first.factors):
            if factor is None:
                x = None if x is None else x.movedim(1, -1)
                continue
            size = factor[0].shape[0]
            stats, old = ([b.factors[i][j] for b in chunk] for j in (0, 1))
            s = _stack(stats) if accumulate or refresh else None
            if accumulate:
                unfolded = grads.movedim(i + 1, 1).reshape(n, size, -1)
                s.baddbmm_(unfolded, unfolded.mT, beta=beta, alpha=alpha)
                if n > 1:  # a stacked copy (a single block's statistic was updated in place)
                    dst, src = dst + stats, src + list(s.unbind())
            if refresh:
                p = roots(s, first.exponent)
                dst, src = dst + old, src + list(p.unbind())
            elif x is not None:
                p = _stack(old)
            if x is not None:  # x ×_i P: the contracted axis moves to the end (as in tensordot)
                rest = x.shape[2:]
                x = torch.bmm(x.reshape(n, size, -1).mT, p).view(n, *rest, size)
        if x is not None:
            for i, b, r in zip(idx, chunk, x.contiguous().unbind()):
                if b.out is None:
                    results[i] = r
                else:
                    dst, src = dst + [b.out], src + [r]
    F.copy_(dst, src)
    return results


def _stack(tensors: list[Tensor]) -> Tensor:
    """A stack of ``tensors``: a view of a single one (written in place), else a copy."""
    return tensors[0].unsqueeze(0) if len(tensors) == 1 else torch.stack(tensors)


def inverse_roots(stats: Tensor, exponent: int, eps: float, relative: bool = True, svd: bool = False) -> Tensor:
    """:func:`inverse_root` (``matrix_inverse_root``'s math) of a stack ``(n, d, d)``: batched float64 ``eigh``
    or SVD; a non-finite matrix gives the identity (``eigh``) or its SVD of zeros, never NaN, no host sync."""
    a = stats.double()
    finite = torch.isfinite(a).flatten(1).all(dim=1).view(-1, 1, 1)
    if svd:
        u, s, _ = torch.linalg.svd(torch.where(finite, a, 0.0))
        s = s + eps * s.amax(dim=-1, keepdim=True)
    else:
        a = torch.where(finite, a, torch.eye(a.shape[-1], dtype=a.dtype, device=a.device))
        s, u = torch.linalg.eigh((a + a.mT) / 2)
        s = s.clamp_min(0.0)
        s = s + eps * (s.amax(dim=-1, keepdim=True) if relative else 1.0)
    s = torch.where(s > 0, s, 1.0).pow(-1.0 / exponent)
    return ((u * s.unsqueeze(-2)) @ u.mT).to(stats.dtype)
