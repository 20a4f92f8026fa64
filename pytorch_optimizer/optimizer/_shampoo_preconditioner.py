"""Shampoo's and Scalable Shampoo's preconditioner machinery: blocking, statistics, inverse roots, grafting.

* ``GRAFTS``, ``PRECONDITIONERS``, :func:`legacy_choice` — the option values (or the older library's enum values);
* :func:`merge_small_dims`, :func:`layout`, :func:`factor_sizes` — how a tensor is reshaped and cut into blocks;
* :func:`identity_factors` — the initial (identity) block roots;
* :func:`inverse_root` — :math:`(L + \\epsilon\\lambda_{max} I)^{-1/e}` by ``eigh`` (or SVD);
* :func:`precondition_blocks` — the block statistics, their roots when due, the preconditioned gradient;
* :func:`precondition_tensors` — that for a list of tensors: per tensor on CPU, else as stacks of blocks
  (``_shampoo_stacks``);
* :func:`shampoo_directions` — the graft optimizer's direction, or the Shampoo direction grafted to its norm
  (``_shampoo_grafting``, which also holds the momentum step).

Reference: Anil, Gupta, Koren, Regan & Singer, "Scalable Second Order Optimization for Deep Learning",
arXiv 2020. https://arxiv.org/abs/2002.09018 (code: google-research/google-research ``scalable_shampoo``)
"""

from __future__ import annotations

import functools
import itertools

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.optimizer._newton_common import matrix_inverse_root
from pytorch_optimizer.optimizer._shampoo_grafting import graft_directions, rescale_to_norms
from pytorch_optimizer.optimizer._shampoo_stacks import Block, inverse_roots, stacked_blocks

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


def shampoo_directions(group, grads, statistics, preconditioners, graft_statistics) -> list[Tensor]:
    """The direction of each tensor: the graft's before ``start_preconditioning_step``, then the Shampoo direction
    (grafted to the graft's norm unless ``graft_type='none'``); updates all statistics and roots due."""
    started = group['step'] >= group['start_preconditioning_step']
    directions = graft_directions(group, grads, graft_statistics)
    shampoo = precondition_tensors(group, grads, statistics, preconditioners, started)
    if not started:
        return directions
    return shampoo if group['graft_type'] == 'none' else rescale_to_norms(shampoo, directions)
