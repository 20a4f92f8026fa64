"""Dense Newton and finite-difference Newton on one flat float64 vector (Nocedal & Wright ch. 3.3, 8.1)."""

import torch


def newton_step(f, x, lr=1.0, damping=0.0, eigval_fn=None, eigval_min=1e-4):
    g = torch.autograd.functional.jacobian(f, x)
    h = torch.autograd.functional.hessian(f, x) + damping * torch.eye(x.numel(), dtype=x.dtype)
    if eigval_fn is None:
        return x - lr * torch.linalg.solve(h, g)
    vals, vecs = torch.linalg.eigh(h)
    vals = vals.abs().clamp(min=eigval_min) if eigval_fn == 'abs' else vals.clamp(min=eigval_min)
    return x - lr * vecs @ ((vecs.T @ g) / vals)


def fd_gradient_hessian(f, x, h):
    n = x.numel()
    e = torch.eye(n, dtype=x.dtype) * h
    f0 = f(x)
    g = torch.stack([(f(x + e[i]) - f(x - e[i])) / (2 * h) for i in range(n)])
    hess = torch.zeros(n, n, dtype=x.dtype)
    for i in range(n):
        hess[i, i] = (f(x + e[i]) - 2 * f0 + f(x - e[i])) / h**2
        for j in range(i + 1, n):
            value = f(x + e[i] + e[j]) - f(x - e[i] + e[j]) - f(x + e[i] - e[j]) + f(x - e[i] - e[j])
            hess[i, j] = hess[j, i] = value / (4 * h**2)
    return g, hess


def newton_fd_step(f, x, h, lr=1.0, damping=0.0):
    g, hess = fd_gradient_hessian(f, x, h)
    return x - lr * torch.linalg.solve(hess + damping * torch.eye(x.numel(), dtype=x.dtype), g)
