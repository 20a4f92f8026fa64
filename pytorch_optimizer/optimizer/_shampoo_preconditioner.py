"""Shampoo's and Scalable Shampoo's preconditioner machinery: blocking, statistics, inverse roots, grafting.

* ``GRAFTS``, ``PRECONDITIONERS``, :func:`legacy_choice` — the option values (or the older library's enum values);
* :func:`merge_small_dims`, :func:`layout`, :func:`factor_sizes` — how a tensor is reshaped and cut into blocks;
* :func:`identity_factors` — the initial (identity) block roots;
* :func:`inverse_root` — :math:`(L + \\epsilon\\lambda_{max} I)^{-1/e}` by ``eigh`` (or SVD);
* :func:`precondition_blocks` — the block statistics, their roots when due, the preconditioned gradient;
* :func:`precondition_tensors` — that for a list of tensors: per tensor on CPU, else as stacks of blocks
  (:class:`Block`, :func:`stacked_blocks`, :func:`inverse_roots`; Shampoo's whole tensors are blocks too);
* :func:`shampoo_directions`, :func:`graft_directions`, :func:`rescale_to_norms` — the graft optimizer's direction
  (SGD, AdaGrad, RMSProp, ``sqrt_n``), the layer-wise grafting of the Shampoo direction to its norm;
* :func:`momentum_step` — weight decay, momentum and the parameter step.

Reference: Anil, Gupta, Koren, Regan & Singer, "Scalable Second Order Optimization for Deep Learning",
arXiv 2020. https://arxiv.org/abs/2002.09018 (code: google-research/google-research ``scalable_shampoo``)
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.optimizer._newton_common import matrix_inverse_root

GRAFTS = ('none', 'sgd', 'adagrad', 'rmsprop', 'sqrt_n')  # index = the older library's LayerWiseGrafting value
PRECONDITIONERS = ('all', 'input', 'output')  # index = the older library's PreConditionerType value


def legacy_choice(value: str | int, names: tuple[str, ...]) -> str | int:
    """``names[value]`` for an older library's enum value (an index into ``names``), else ``value`` as given."""
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else value


def merge_small_dims(shape: list[int], max_dim: int) -> list[int]:
    """Merge adjacent dimensions while their product stays <= ``max_dim`` (size-1 dimensions vanish)."""
    merged, product = [], 1
    for d in shape:
        if product * d <= max_dim:
            product *= d
        else:
            if product > 1:
                merged.append(product)
            product = d
    return merged + ([product] if product > 1 else [])


def layout(shape: list[int], group: dict) -> tuple[list[int], list[tuple[tuple[int, int], ...]], list[bool], int]:
    """``(transformed shape, blocks as ((offset, size), ...), preconditioned dims, exponent)``; no blocks = skipped."""
    block = group['block_size']
    shape = merge_small_dims(shape, block) if group['shape_interpretation'] else list(shape)
    rank = len(shape)
    if rank == 0 or rank < group['skip_preconditioning_rank_lt']:
        return shape, [], [], 0
    if any(d > group['no_preconditioning_for_layers_with_dim_gt'] for d in shape):
        return shape, [], [], 0
    kind = group['pre_conditioner_type']
    dims = [kind == 'all' or rank == 1 or (i < rank - 1) == (kind == 'input') for i in range(rank)]
    ranges = [[(o, min(block, d - o)) for o in range(0, d, block)] for d in shape]
    exponent = group['inverse_exponent_override'] or 2 * sum(dims)
    return shape, list(itertools.product(*ranges)), dims, exponent


def factor_sizes(shape: list[int], group: dict) -> list[int]:
    _, blocks, dims, _ = layout(shape, group)
    return [size for b in blocks for (_, size), on in zip(b, dims) if on]


def identity_factors(param: Tensor, group: dict) -> Tensor:
    """Identity matrices of the sizes :func:`factor_sizes` gives, flattened and concatenated (the initial roots)."""
    sizes = factor_sizes(list(param.shape), group)
    eyes = [torch.eye(d, dtype=param.dtype, device=param.device).view(-1) for d in sizes]
    return torch.cat(eyes) if eyes else param.new_zeros(0)


def inverse_root(group: dict, stat: Tensor, exponent: int) -> Tensor:
    if not group['use_svd']:
        return matrix_inverse_root(stat, exponent, group['matrix_eps'])
    u, s, _ = torch.linalg.svd(torch.where(torch.isfinite(stat).all(), stat.double(), 0.0))
    s = s + group['matrix_eps'] * s.max()
    return ((u * torch.where(s > 0, s, 1.0).pow(-1.0 / exponent)) @ u.T).to(stat.dtype)


def precondition_blocks(group: dict, grad: Tensor, stat: Tensor, pre: Tensor, precondition: bool) -> Tensor:
    """Update the block statistics (and roots when due) of one tensor; its preconditioned gradient."""
    step, beta2 = group['step'], group['betas'][1]
    shape, blocks, dims, exponent = layout(list(grad.shape), group)
    reshaped = grad.reshape(shape)
    out = torch.empty_like(reshaped) if precondition else None
    refresh = step % group['preconditioning_compute_steps'] == 0 or step == group['start_preconditioning_step']
    offset = 0
    for block in blocks:
        index = tuple(slice(o, o + s) for o, s in block)
        x = reshaped[index]
        for i, ((_, size), on) in enumerate(zip(block, dims)):
            if not on:
                x = x.movedim(0, -1) if precondition else x
                continue
            s_mat, p_mat = (t[offset : offset + size * size].view(size, size) for t in (stat, pre))
            offset += size * size
            if step % group['statistics_compute_steps'] == 0:
                unfolded = reshaped[index].movedim(i, 0).reshape(size, -1)
                # a stack of one: the kernel of stacked_blocks (addmm_'s bits from 400 multiply-adds on)
                alpha = 1.0 if beta2 == 1.0 else 1.0 - beta2
                s_mat.unsqueeze(0).baddbmm_(unfolded[None], unfolded.T[None], beta=beta2, alpha=alpha)
            if refresh:
                p_mat.copy_(inverse_root(group, s_mat, exponent))
            if precondition:
                x = torch.tensordot(x, p_mat, dims=([0], [0]))
        if precondition:
            out[index] = x
    return out.view(grad.shape) if precondition and blocks else grad


def precondition_tensors(group, grads, statistics, preconditioners, precondition: bool) -> list[Tensor]:
    """:func:`precondition_blocks` of every tensor: per tensor on CPU, on a CUDA bucket as stacks of same-shaped
    blocks of all tensors (a few launches per stack, not per block; :func:`stacked_blocks`)."""
    if not F.cuda_bucket(grads):
        return [precondition_blocks(group, *x, precondition) for x in zip(grads, statistics, preconditioners)]
    step, beta2 = group['step'], group['betas'][1]
    due = step % group['statistics_compute_steps'] == 0
    refresh = step % group['preconditioning_compute_steps'] == 0 or step == group['start_preconditioning_step']
    if not (due or refresh or precondition):
        return grads
    blocks, results = [], []
    for grad, stat, pre in zip(grads, statistics, preconditioners):
        shape, cuts, dims, exponent = layout(list(grad.shape), group)
        reshaped, offset = grad.reshape(shape), 0
        out = torch.empty_like(reshaped) if precondition and len(cuts) > 1 else None  # blocks copied in
        results.append(out.view(grad.shape) if out is not None else len(blocks) if precondition and cuts else grad)
        for block in cuts:
            index, factors = tuple(slice(o, o + s) for o, s in block), []
            for (_, size), on in zip(block, dims):
                factors.append(
                    tuple(t[offset : offset + size * size].view(size, size) for t in (stat, pre)) if on else None
                )
                offset += size * size if on else 0
            key = (tuple(s for _, s in block), tuple(dims), exponent)
            x, target = reshaped[index], None if out is None else out[index]
            blocks.append(Block(key, x, x if precondition else None, factors, exponent, target))
    alpha = 1.0 if beta2 == 1.0 else 1.0 - beta2
    roots = functools.partial(inverse_roots, eps=group['matrix_eps'], svd=group['use_svd'])
    done = stacked_blocks(blocks, due, beta2, alpha, refresh, roots)
    return [done[r].view(g.shape) if isinstance(r, int) else r for r, g in zip(results, grads)]


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


def shampoo_directions(group, grads, statistics, preconditioners, graft_statistics) -> list[Tensor]:
    """The direction of each tensor: the graft's before ``start_preconditioning_step``, then the Shampoo direction
    (grafted to the graft's norm unless ``graft_type='none'``); updates all statistics and roots due."""
    started = group['step'] >= group['start_preconditioning_step']
    directions = graft_directions(group, grads, graft_statistics)
    shampoo = precondition_tensors(group, grads, statistics, preconditioners, started)
    if not started:
        return directions
    return shampoo if group['graft_type'] == 'none' else rescale_to_norms(shampoo, directions)


def momentum_step(group: dict, params: list[Tensor], momentum: list[Tensor], directions: list[Tensor]) -> None:
    """Weight decay, the momentum update (Nesterov or not) and the parameter step of Scalable Shampoo."""
    beta1 = group['betas'][0]
    if group['weight_decay'] > 0.0:
        if group['decoupled_weight_decay']:
            torch._foreach_mul_(params, 1.0 - group['lr'] * group['weight_decay'])
        else:
            directions = torch._foreach_add(directions, params, alpha=group['weight_decay'])
    w = (1.0 - beta1) if group['moving_average_for_momentum'] else 1.0
    scale = w if group['decoupled_learning_rate'] else w * group['lr']
    torch._foreach_mul_(momentum, beta1)
    torch._foreach_add_(momentum, directions, alpha=scale)
    update = momentum
    if group['nesterov']:
        update = torch._foreach_mul(momentum, beta1)
        torch._foreach_add_(update, directions, alpha=scale)
    torch._foreach_add_(params, update, alpha=-group['lr'] if group['decoupled_learning_rate'] else -1.0)


def graft_directions(group: dict, grads: list[Tensor], graft_statistics: list[Tensor] | None) -> list[Tensor]:
    """The graft optimizer's directions (updating the AdaGrad/RMSProp statistics)."""
    beta2, graft = group['betas'][1], group['graft_type']
    if graft in ('adagrad', 'rmsprop'):
        if graft == 'rmsprop':
            torch._foreach_mul_(graft_statistics, beta2)
        torch._foreach_addcmul_(graft_statistics, grads, grads, value=1.0 - beta2 if graft == 'rmsprop' else 1.0)
        denom = torch._foreach_sqrt(graft_statistics)
        torch._foreach_add_(denom, group['diagonal_eps'])
        directions = torch._foreach_div(grads, denom)
    else:
        directions = torch._foreach_sign(grads) if graft == 'sqrt_n' else grads
    return directions


def rescale_to_norms(shampoo: list[Tensor], directions: list[Tensor]) -> list[Tensor]:
    """Layer-wise grafting: each Shampoo direction rescaled to the norm of the graft direction."""
    ratios = torch._foreach_div(
        torch._foreach_norm(directions), torch._foreach_add(torch._foreach_norm(shampoo), 1e-16)
    )
    return torch._foreach_mul(shampoo, ratios)
