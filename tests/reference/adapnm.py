"""AdaPNM reference (Xie et al. 2021, Algorithm 2), one tensor at a time."""

import math

import torch


class AdaPNM:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999, 1.0), weight_decay=0.0, weight_decouple=True,
                 ams_bound=True, eps=1e-8):  # fmt: skip
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.wd, self.decouple, self.ams = weight_decay, weight_decouple, ams_bound
        self.odd = [torch.zeros_like(p) for p in params]
        self.even = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.vmax = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2, b0) = self.t, self.betas
        for p, g, odd, even, v, vmax in zip(self.params, grads, self.odd, self.even, self.v, self.vmax):
            if self.decouple:
                p.mul_(1 - self.lr * self.wd)
            else:
                g = g + self.wd * p
            cur, prev = (odd, even) if t % 2 == 1 else (even, odd)
            cur.copy_(b1**2 * cur + (1 - b1**2) * g)
            v.copy_(b2 * v + (1 - b2) * g * g)
            vmax.copy_(torch.maximum(vmax, v))
            denom = (vmax if self.ams else v).sqrt() / math.sqrt(1 - b2**t) + self.eps
            pn = ((1 + b0) * cur - b0 * prev) / math.sqrt((1 + b0) ** 2 + b0**2)
            p.sub_(self.lr / (1 - b1**t) * pn / denom)
