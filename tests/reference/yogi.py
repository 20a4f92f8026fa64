"""Yogi reference (Zaheer et al. 2018, Algorithm 2), one tensor at a time."""

import torch


class Yogi:
    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), initial_accumulator=1e-6, weight_decay=0.0, eps=1e-3):
        self.params, self.lr, self.betas, self.wd, self.eps = params, lr, betas, weight_decay, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.full_like(p, initial_accumulator) for p in params]

    def step(self, grads):
        b1, b2 = self.betas
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            p.mul_(1 - self.lr * self.wd)
            m.copy_(b1 * m + (1 - b1) * g)
            v.copy_(v - (1 - b2) * torch.sign(v - g * g) * g * g)
            p.sub_(self.lr * m / (v.sqrt() + self.eps))
