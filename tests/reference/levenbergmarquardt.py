"""Levenberg-Marquardt trust region on one flat float64 vector (Moré 1978; ratio test of Nocedal & Wright ch. 4)."""

import torch


def levenberg_marquardt_step(
    f, x, radius, eta=0.0, nplus=3.5, nminus=0.25, rho_good=0.99, rho_bad=1e-4, max_attempts=10, y=0.0
):
    tiny = torch.finfo(torch.float64).tiny
    g = torch.autograd.functional.jacobian(f, x)
    h = torch.autograd.functional.hessian(f, x)
    diag = y * torch.diagonal(h) + (1 - y)
    diag[diag < 2 * tiny] = 1.0
    f0 = float(f(x))
    for _ in range(max_attempts):
        d = torch.linalg.solve(h + torch.diag(diag) / radius, g)
        predicted = float(g @ d - 0.5 * d @ h @ d)
        rho = (f0 - float(f(x - d))) / max(predicted, 2 * tiny)
        if rho < rho_bad:
            radius *= nminus
        elif rho > rho_good:
            radius *= nplus
        if rho > eta:
            return x - d, radius
    return x, radius
