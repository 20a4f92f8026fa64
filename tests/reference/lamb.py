"""LAMB reference (You et al. 2020, Algorithm 2, phi = identity), over a list of tensors."""

import math

import torch


class Lamb:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0, eps=1e-6, grad_averaging=True,
                 pre_norm=False, max_grad_norm=1.0, adam=False):  # fmt: skip
        self.params, self.lr, self.betas, self.wd, self.eps = params, lr, betas, weight_decay, eps
        self.avg, self.pre_norm, self.max_norm, self.adam = grad_averaging, pre_norm, max_grad_norm, adam
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2) = self.t, self.betas
        if self.pre_norm:
            norm = math.sqrt(sum((g * g).sum().item() for g in grads))
            grads = [g * min(1.0, self.max_norm / (norm + self.eps)) for g in grads]
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m.copy_(b1 * m + ((1 - b1) if self.avg else 1.0) * g)
            v.copy_(b2 * v + (1 - b2) * g * g)
            u = m / (1 - b1**t) / ((v / (1 - b2**t)).sqrt() + self.eps) + self.wd * p
            w_norm, u_norm = p.norm().item(), u.norm().item()
            ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 and not self.adam else 1.0
            p.sub_(self.lr * ratio * u)
