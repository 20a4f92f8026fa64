"""Scalable Shampoo, single tensor, from Anil et al. 2020 (blocked Kronecker factors, layer-wise grafting)."""

import itertools

import torch


def inverse_root(mat, p, eps):
    vals, vecs = torch.linalg.eigh(mat.double())
    vals = vals.clamp(min=0)
    vals = vals + eps * vals.max()
    return (vecs @ torch.diag(vals ** (-1.0 / p)) @ vecs.T).to(mat.dtype)


def merge(shape, block):
    out, prod = [], 1
    for d in shape:
        if prod * d <= block:
            prod *= d
        else:
            if prod > 1:
                out.append(prod)
            prod = d
    return out + ([prod] if prod > 1 else [])


def scalable_shampoo_step(p, g, state, lr, betas, block_size, start, compute_steps, graft='sgd', nesterov=True,
                          weight_decay=0.0, matrix_eps=1e-6, diagonal_eps=1e-10):  # fmt: skip
    beta1, beta2 = betas
    t = state['t'] = state.get('t', 0) + 1
    shape = merge(list(g.shape), block_size)
    x = g.reshape(shape)
    blocks = list(itertools.product(*[[(o, min(block_size, d - o)) for o in range(0, d, block_size)] for d in shape]))
    if 'L' not in state:
        state['L'] = {b: [matrix_eps * torch.eye(s, dtype=g.dtype) for _, s in b] for b in blocks}
        state['P'] = {b: [torch.eye(s, dtype=g.dtype) for _, s in b] for b in blocks}
        state['m'] = torch.zeros_like(p)
        state['a'] = torch.zeros_like(p)
    precond = torch.empty_like(x)
    for b in blocks:
        piece = x[tuple(slice(o, o + s) for o, s in b)]
        for i in range(len(shape)):
            unfolded = piece.movedim(i, 0).reshape(piece.shape[i], -1)
            state['L'][b][i] = beta2 * state['L'][b][i] + (1 - beta2) * unfolded @ unfolded.T
            if t % compute_steps == 0 or t == start:
                state['P'][b][i] = inverse_root(state['L'][b][i], 2 * len(shape), matrix_eps)
        out = piece
        for i in range(len(shape)):  # mode-i products
            out = torch.movedim(torch.tensordot(state['P'][b][i], out.movedim(i, 0), dims=([1], [0])), 0, i)
        precond[tuple(slice(o, o + s) for o, s in b)] = out
    shampoo = precond.reshape(g.shape) if shape else g
    if graft == 'adagrad':
        state['a'] = state['a'] + g * g
        direction = g / (state['a'].sqrt() + diagonal_eps)
    else:
        direction = g
    if t >= start:
        direction = shampoo * direction.norm() / (shampoo.norm() + 1e-16)
    direction = direction + weight_decay * p
    state['m'] = beta1 * state['m'] + direction
    p.sub_(lr * (beta1 * state['m'] + direction if nesterov else state['m']))
