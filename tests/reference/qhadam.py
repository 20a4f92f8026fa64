"""QHAdam reference (Ma & Yarats 2019, Algorithm QHAdam), one tensor at a time."""

import torch


class QHAdam:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), nus=(1.0, 1.0), weight_decay=0.0, eps=1e-8):
        self.params, self.lr, self.betas, self.nus, self.wd, self.eps = params, lr, betas, nus, weight_decay, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2), (nu1, nu2) = self.t, self.betas, self.nus
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            g = g + self.wd * p
            m.copy_(b1 * m + (1 - b1) * g)
            v.copy_(b2 * v + (1 - b2) * g * g)
            num = (1 - nu1) * g + nu1 * m / (1 - b1**t)
            den = ((1 - nu2) * g * g + nu2 * v / (1 - b2**t)).sqrt() + self.eps
            p.sub_(self.lr * num / den)
