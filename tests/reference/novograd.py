"""NovoGrad reference (Ginsburg et al. 2019, Algorithm 1), one tensor (layer) at a time."""

import torch


class NovoGrad:
    def __init__(self, params, lr=1e-3, betas=(0.95, 0.98), weight_decay=0.0, grad_averaging=False, eps=1e-8):
        self.params, self.lr, self.betas, self.wd, self.avg, self.eps = (
            params,
            lr,
            betas,
            weight_decay,
            grad_averaging,
            eps,
        )
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [None for _ in params]

    def step(self, grads):
        b1, b2 = self.betas
        for i, (p, g, m) in enumerate(zip(self.params, grads, self.m)):
            norm_sq = (g * g).sum().item()
            self.v[i] = norm_sq if self.v[i] is None else b2 * self.v[i] + (1 - b2) * norm_sq
            direction = g / (self.v[i] ** 0.5 + self.eps) + self.wd * p
            m.copy_(b1 * m + ((1 - b1) if self.avg else 1.0) * direction)
            p.sub_(self.lr * m)
