"""Shampoo, single tensor, from Gupta et al. 2018, Algorithm 2 (order-k tensors), + EMA momentum, weight decay."""

import torch


def inverse_root(mat, p):
    eigvals, eigvecs = torch.linalg.eigh(mat.double())
    eigvals = eigvals.clamp(min=0)
    eigvals = torch.where(eigvals > 0, eigvals, torch.ones_like(eigvals))
    return (eigvecs @ torch.diag(eigvals ** (-1.0 / p)) @ eigvecs.T).to(mat.dtype)


def shampoo_step(
    p,
    g,
    state,
    lr,
    momentum=0.0,
    weight_decay=0.0,
    weight_decouple=False,
    fixed_decay=False,
    preconditioning_compute_steps=1,
    matrix_eps=1e-6,
):
    t = state['t'] = state.get('t', 0) + 1
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    k = g.dim()
    if 'H' not in state:
        state['H'] = [matrix_eps * torch.eye(d, dtype=p.dtype) for d in g.shape]
        state['P'] = [None] * k
    direction = g
    if momentum > 0:
        direction = state['m'] = momentum * state.get('m', torch.zeros_like(p)) + (1 - momentum) * g
    for i in range(k):
        unfolded = g.movedim(i, 0).reshape(g.shape[i], -1)
        state['H'][i] = state['H'][i] + unfolded @ unfolded.T
        if (t - 1) % preconditioning_compute_steps == 0:
            state['P'][i] = inverse_root(state['H'][i], 2 * k)
    # mode-i product G x_i P_i for every i
    for i in range(k):
        direction = torch.movedim(torch.tensordot(state['P'][i], direction.movedim(i, 0), dims=([1], [0])), 0, i)
    p.sub_(lr * direction)
