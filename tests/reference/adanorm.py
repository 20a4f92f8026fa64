"""AdaNorm (AdamNorm) reference (Dubey et al. 2023, Algorithm 1), one tensor at a time."""

import math

import torch


class AdaNorm:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99), r=0.95, weight_decay=0.0, weight_decouple=True,
                 ams_bound=False, eps=1e-8):  # fmt: skip
        self.params, self.lr, self.betas, self.r, self.eps = params, lr, betas, r, eps
        self.wd, self.decouple, self.ams = weight_decay, weight_decouple, ams_bound
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.vmax = [torch.zeros_like(p) for p in params]
        self.e = [0.0 for _ in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2) = self.t, self.betas
        for i, (p, g, m, v, vmax) in enumerate(zip(self.params, grads, self.m, self.v, self.vmax)):
            if self.decouple:
                p.mul_(1 - self.lr * self.wd)
            else:
                g = g + self.wd * p
            norm = g.norm().item()
            self.e[i] = self.r * self.e[i] + (1 - self.r) * norm
            s = g * (self.e[i] / norm) if self.e[i] > norm else g
            m.copy_(b1 * m + (1 - b1) * s)
            v.copy_(b2 * v + (1 - b2) * g * g)
            vmax.copy_(torch.maximum(vmax, v))
            denom = (vmax if self.ams else v).sqrt() / math.sqrt(1 - b2**t) + self.eps
            p.sub_(self.lr / (1 - b1**t) * m / denom)
