"""AdaMod reference (Ding et al. 2019, Algorithm 1), one tensor at a time."""

import torch


class AdaMod:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99, 0.9999), weight_decay=0.0, weight_decouple=True, eps=1e-8):
        self.params, self.lr, self.betas, self.wd, self.decouple, self.eps = (
            params,
            lr,
            betas,
            weight_decay,
            weight_decouple,
            eps,
        )
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.s = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2, b3) = self.t, self.betas
        for p, g, m, v, s in zip(self.params, grads, self.m, self.v, self.s):
            if self.decouple:
                p.mul_(1 - self.lr * self.wd)
            else:
                g = g + self.wd * p
            m.copy_(b1 * m + (1 - b1) * g)
            v.copy_(b2 * v + (1 - b2) * g * g)
            eta = self.lr / ((v / (1 - b2**t)).sqrt() + self.eps)
            s.copy_(b3 * s + (1 - b3) * eta)
            p.sub_(torch.minimum(eta, s) * m / (1 - b1**t))
