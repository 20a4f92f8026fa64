"""AdamS reference (Xie et al. 2023, Algorithm AdamS: stable weight decay), over a list of tensors."""

import math

import torch


class AdamS:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4, ams_bound=False, eps=1e-8):
        self.params, self.lr, self.betas, self.wd, self.ams, self.eps = params, lr, betas, weight_decay, ams_bound, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.vmax = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2) = self.t, self.betas
        total, count = 0.0, 0
        for g, m, v, vmax in zip(grads, self.m, self.v, self.vmax):
            m.copy_(b1 * m + (1 - b1) * g)
            v.copy_(b2 * v + (1 - b2) * g * g)
            vmax.copy_(torch.maximum(vmax, v))
            total += ((vmax if self.ams else v) / (1 - b2**t)).sum().item()
            count += g.numel()
        v_bar = total / count
        for p, m, v, vmax in zip(self.params, self.m, self.v, self.vmax):
            v_hat = (vmax if self.ams else v) / (1 - b2**t)
            p.mul_(1 - self.lr * self.wd / (math.sqrt(v_bar) + self.eps))
            p.sub_(self.lr / (1 - b1**t) * m / (v_hat.sqrt() + self.eps))
