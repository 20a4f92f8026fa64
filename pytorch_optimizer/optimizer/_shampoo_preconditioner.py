"""Scalable Shampoo's preconditioner machinery: blocking, statistics, inverse roots, grafting directions.

* ``GRAFTS``, ``PRECONDITIONERS``, :func:`legacy_choice` — the option values (or the older library's enum values);
* :func:`merge_small_dims`, :func:`layout`, :func:`factor_sizes` — how a tensor is reshaped and cut into blocks;
* :func:`identity_factors` — the initial (identity) block roots;
* :func:`inverse_root` — :math:`(L + \\epsilon\\lambda_{max} I)^{-1/e}` by ``eigh`` (or SVD);
* :func:`precondition_blocks` — the block statistics, their roots when due, the preconditioned gradient;
* :func:`graft_directions`, :func:`rescale_to_norms` — the graft optimizer's direction (SGD, AdaGrad, RMSProp,
  ``sqrt_n``) and the layer-wise grafting of the Shampoo direction to its norm.

Reference: Anil, Gupta, Koren, Regan & Singer, "Scalable Second Order Optimization for Deep Learning",
arXiv 2020. https://arxiv.org/abs/2002.09018 (code: google-research/google-research ``scalable_shampoo``)
"""

from __future__ import annotations

import itertools

import torch
from torch import Tensor

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
                s_mat.mul_(beta2).addmm_(unfolded, unfolded.T, alpha=1.0 if beta2 == 1.0 else 1.0 - beta2)
            if refresh:
                p_mat.copy_(inverse_root(group, s_mat, exponent))
            if precondition:
                x = torch.tensordot(x, p_mat, dims=([0], [0]))
        if precondition:
            out[index] = x
    return out.view(grad.shape) if precondition and blocks else grad


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
