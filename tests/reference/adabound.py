"""AdaBound reference (Luo et al. 2019, the authors' code form), one tensor at a time."""

import math

import torch


class AdaBound:
    def __init__(self, params, lr=1e-3, final_lr=0.1, betas=(0.9, 0.999), gamma=1e-3, weight_decay=0.0,
                 weight_decouple=True, ams_bound=False, eps=1e-8):  # fmt: skip
        self.params, self.lr, self.final_lr, self.betas, self.gamma = params, lr, final_lr, betas, gamma
        self.wd, self.decouple, self.ams, self.eps = weight_decay, weight_decouple, ams_bound, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.vmax = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2) = self.t, self.betas
        lower = self.final_lr * (1 - 1 / (self.gamma * t + 1))
        upper = self.final_lr * (1 + 1 / (self.gamma * t))
        for p, g, m, v, vmax in zip(self.params, grads, self.m, self.v, self.vmax):
            if self.decouple:
                p.mul_(1 - self.lr * self.wd)
            else:
                g = g + self.wd * p
            m.copy_(b1 * m + (1 - b1) * g)
            v.copy_(b2 * v + (1 - b2) * g * g)
            vmax.copy_(torch.maximum(vmax, v))
            denom = (vmax if self.ams else v).sqrt() + self.eps
            rate = (self.lr * math.sqrt(1 - b2**t) / (1 - b1**t) / denom).clamp(lower, upper)
            p.sub_(rate * m)
