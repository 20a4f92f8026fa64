"""AdaMax reference (Kingma & Ba 2015, Algorithm 2), one tensor at a time."""

import torch


class AdaMax:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0, weight_decouple=False, eps=1e-8):
        self.params, self.lr, self.betas, self.wd, self.decouple, self.eps = (
            params,
            lr,
            betas,
            weight_decay,
            weight_decouple,
            eps,
        )
        self.m = [torch.zeros_like(p) for p in params]
        self.u = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        b1, b2 = self.betas
        for p, g, m, u in zip(self.params, grads, self.m, self.u):
            if self.decouple:
                p.mul_(1 - self.lr * self.wd)
            else:
                g = g + self.wd * p
            m.copy_(b1 * m + (1 - b1) * g)
            u.copy_(torch.maximum(b2 * u, g.abs() + self.eps))
            p.sub_(self.lr / (1 - b1**self.t) * m / u)
