"""SWATS reference (Keskar & Socher 2017, Algorithm 1, switching per tensor), one tensor at a time."""

import math

import torch


class SWATS:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0, nesterov=False, eps=1e-6):
        self.params, self.lr, self.betas, self.wd, self.nesterov, self.eps = (
            params,
            lr,
            betas,
            weight_decay,
            nesterov,
            eps,
        )
        self.m = [torch.zeros_like(p) for p in params]
        self.a = [torch.zeros_like(p) for p in params]
        self.u = [torch.zeros_like(p) for p in params]
        self.lam = [0.0 for _ in params]
        self.sgd_lr = [None for _ in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2) = self.t, self.betas
        for i, (p, g, m, a, u) in enumerate(zip(self.params, grads, self.m, self.a, self.u)):
            g = g + self.wd * p
            if self.sgd_lr[i] is not None:
                u.copy_(b1 * u + g)
                p.sub_((1 - b1) * self.sgd_lr[i] * (g + b1 * u if self.nesterov else u))
                continue
            m.copy_(b1 * m + (1 - b1) * g)
            a.copy_(b2 * a + (1 - b2) * g * g)
            step = -self.lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (a.sqrt() + self.eps)
            p.add_(step)
            pg = (step * g).sum().item()
            if pg != 0:
                gamma = (step * step).sum().item() / -pg
                self.lam[i] = b2 * self.lam[i] + (1 - b2) * gamma
                corrected = self.lam[i] / (1 - b2**t)
                if t > 1 and corrected > 0 and abs(corrected - gamma) < self.eps:
                    self.sgd_lr[i] = corrected
