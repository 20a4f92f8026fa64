"""Randomized subspace Newton on one flat float64 vector (Gower et al. 2019): d = S (S^T H S)^-1 S^T g."""

import torch


def subspace_newton_step(f, x, sketch, lr=1.0, damping=0.0):
    g = torch.autograd.functional.jacobian(f, x)
    h = torch.autograd.functional.hessian(f, x)
    reduced = sketch.T @ h @ sketch + damping * torch.eye(sketch.shape[1], dtype=x.dtype)
    return x - lr * sketch @ torch.linalg.solve(reduced, sketch.T @ g)


def common_directions(history, g, k):
    """Gram-Schmidt the new gradient against the kept directions; keep the last k."""
    r = g - history @ (history.T @ g)
    return torch.cat([history, (r / r.norm())[:, None]], dim=1)[:, -k:]
