"""Newton-summary written straight from the paper (Wolinski, arXiv 2312.03885, App. F) and spec §2.

Plain single-tensor loops; (H̄, ḡ, o3) from torch.func derivatives of φ(η) = L(θ − Σ_s η_s u_s);
the cubic solve with scipy's brentq. No import from pytorch_optimizer.
"""

import numpy as np
import torch
from scipy.optimize import brentq


def summary(loss_fn, groups, directions):
    """(H̄, ḡ, o3) with φ(η) = loss_fn(θ − η_s u_s): ḡ = −φ'(0), H̄ = φ''(0), o3_s = −∂³φ/∂η_s³(0)."""

    def phi(eta):
        moved = []
        for s, (group, us) in enumerate(zip(groups, directions)):
            for p, u in zip(group, us):
                moved.append(p - eta[s] * u)
        return loss_fn(moved)

    zero = torch.zeros(len(groups), dtype=torch.float64)
    g = -torch.func.jacrev(phi)(zero)
    H = torch.func.hessian(phi)(zero)
    third = torch.func.jacfwd(torch.func.jacfwd(torch.func.jacrev(phi)))(zero)
    o3 = -torch.stack([third[s, s, s] for s in range(len(groups))])
    return H.detach(), g.detach(), o3.detach()


def nesterov(H, g, o3_, lam):
    H, g, D = H.numpy(), g.numpy(), o3_.numpy()
    if np.all(D == 0):
        return torch.from_numpy(np.linalg.solve(H, g)) if np.linalg.eigvalsh(H)[0] > 0 else None
    D2 = np.diag(D**2)

    def f(r):
        return np.linalg.norm(D * np.linalg.solve(H + lam / 2 * r * D2, g)) - r

    if np.linalg.eigvalsh(H)[0] > 0:
        x0 = 0.0
    else:
        x0 = 2 / lam * max(0.0, -np.linalg.eigvalsh(H / D[:, None] / D[None, :])[0])
    if not f(x0) > 0:
        return None
    x1 = x0 + 1
    while f(x1) >= 0:
        x1 *= 3
    r = brentq(f, x0, x1, maxiter=100)
    return torch.from_numpy(np.linalg.solve(H + lam / 2 * r * D2, g))


class NewtonSummaryReference:
    """One instance per run; ``step(loss_fn, groups, grads)`` moves the plain tensors of ``groups`` in place."""

    def __init__(
        self,
        damping=1.0,
        nesterov_use=False,
        damping_int=0.0,
        mom_order3_=0.0,
        period_hg=1,
        mom_lrs=0.0,
        movavg=0.0,
        ridge=0.0,
        noregul=False,
        remove_negative=False,
        maintain_true_lrs=False,
        diagonal=False,
        momentum=0.0,
        momentum_damp=0.0,
    ):
        self.__dict__.update(locals())
        self.bufs, self.counter, self.c, self.lrs, self.prev = None, 0, None, None, None

    def step(self, loss_fn, groups, grads):
        if self.bufs is None:
            self.bufs = [[g.clone() for g in gs] for gs in grads]
        else:
            for bs, gs in zip(self.bufs, grads):
                for b, g in zip(bs, gs):
                    b.mul_(self.momentum).add_(g, alpha=1 - self.momentum_damp)
        S = len(groups)
        if self.lrs is None:
            self.lrs, self.c = torch.zeros(S, dtype=torch.float64), torch.zeros(S, dtype=torch.float64)
        if self.counter % self.period_hg == 0:
            H, g, o3 = summary(loss_fn, groups, self.bufs)
            if self.diagonal:
                H = torch.diag(torch.diagonal(H))
            if self.movavg > 0 and self.prev is not None:
                m = self.movavg
                H, g, o3 = (m * a + (1 - m) * b for a, b in zip(self.prev[:3], (H, g, o3)))
            o3_ = o3.abs() ** (1 / 3)
            if self.mom_order3_ > 0 and self.prev is not None:
                o3_ = self.mom_order3_ * self.prev[3] + (1 - self.mom_order3_) * o3_
            self.prev = (H, g, o3, o3_)
            if self.noregul:
                eta = torch.linalg.solve(H, g)
            elif not self.nesterov_use:
                eta = torch.linalg.solve(H + self.ridge * torch.eye(S, dtype=torch.float64), g)
            else:
                eta = nesterov(H, g, o3_, self.damping_int)
            if eta is not None:
                if self.remove_negative and not self.maintain_true_lrs:
                    eta = eta.clamp(min=0)
                rho = self.mom_lrs if self.counter > 0 else 0.0
                self.c = rho * self.c + (1 - rho) * eta
                applied = self.c.clamp(min=0) if self.remove_negative else self.c
                self.lrs = self.damping * applied
        self.counter += 1
        for s, group in enumerate(groups):
            for p, b in zip(group, self.bufs[s]):
                p.sub_(self.lrs[s] * b)
