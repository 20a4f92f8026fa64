"""AvaGrad reference (Savarese et al. 2021, Algorithm 1 with the authors' bias corrections), over a list of tensors."""

import math

import torch


class AvaGrad:
    def __init__(self, params, lr=0.1, betas=(0.9, 0.999), weight_decay=0.0, weight_decouple=True, eps=0.1):
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
        self.t = 0

    def step(self, grads):
        self.t += 1
        t, (b1, b2) = self.t, self.betas
        if self.decouple:
            for p in self.params:
                p.mul_(1 - self.lr * self.wd)
        else:
            grads = [g + self.wd * p for g, p in zip(grads, self.params)]
        for g, m in zip(grads, self.m):
            m.copy_(b1 * m + (1 - b1) * g)
        if t > 1:
            etas = [1 / ((v / (1 - b2 ** (t - 1))).sqrt() + self.eps) for v in self.v]
            d = sum(e.numel() for e in etas)
            norm = math.sqrt(sum((e * e).sum().item() for e in etas))
            for p, e, m in zip(self.params, etas, self.m):
                p.sub_(self.lr / (1 - b1**t) * (e / (norm / math.sqrt(d))) * m)
        for g, v in zip(grads, self.v):
            v.copy_(b2 * v + (1 - b2) * g * g)
