"""diffGrad reference (Dubey et al. 2019, Algorithm 1; rectified form of diffRGrad), one tensor at a time."""

import math

import torch


class DiffGrad:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0, weight_decouple=True, eps=1e-8,
                 rectify=False, degenerated_to_sgd=True):  # fmt: skip
        self.params, self.lr, self.betas, self.wd, self.decouple, self.eps = (
            params,
            lr,
            betas,
            weight_decay,
            weight_decouple,
            eps,
        )
        self.rectify, self.sgd = rectify, degenerated_to_sgd
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.prev = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2) = self.t, self.betas
        rho_inf = 2 / (1 - b2) - 1
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        for p, g, m, v, prev in zip(self.params, grads, self.m, self.v, self.prev):
            if self.decouple:
                p.mul_(1 - self.lr * self.wd)
            else:
                g = g + self.wd * p
            m.copy_(b1 * m + (1 - b1) * g)
            v.copy_(b2 * v + (1 - b2) * g * g)
            xi = torch.sigmoid((prev - g).abs())
            prev.copy_(g)
            adam = xi * m / (1 - b1**t) / ((v / (1 - b2**t)).sqrt() + self.eps)
            if not self.rectify:
                p.sub_(self.lr * adam)
            elif rho >= 5:
                r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
                p.sub_(self.lr * r * adam)
            elif self.sgd:
                p.sub_(self.lr * m / (1 - b1**t))
