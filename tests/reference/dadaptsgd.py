"""DAdaptSGD written straight from Defazio & Mishchenko (2023) / the official code: plain loops, floats."""

import math

import torch


class DAdaptSGDReference:
    def __init__(
        self,
        params,
        lr=1.0,
        momentum=0.9,
        d0=1e-6,
        growth_rate=math.inf,
        weight_decay=0.0,
        weight_decouple=False,
        fixed_decay=False,
    ):
        self.params = list(params)
        self.lr, self.momentum, self.d, self.growth_rate = lr, momentum, d0, growth_rate
        self.wd, self.decouple, self.fixed = weight_decay, weight_decouple, fixed_decay
        self.numerator, self.g0_norm = 0.0, None
        self.s = [torch.zeros_like(p) for p in self.params]
        self.x0 = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def step(self):
        grads = [p.grad + self.wd * p if self.wd and not self.decouple else p.grad.clone() for p in self.params]
        if self.g0_norm is None:
            self.g0_norm = math.sqrt(sum((g * g).sum().item() for g in grads))
        dlr = self.d * self.lr / self.g0_norm
        s_sq = 0.0
        for i, g in enumerate(grads):
            self.numerator += dlr * torch.dot(g.flatten(), self.s[i].flatten()).item()
            self.s[i] = self.s[i] + dlr * g
            s_sq += (self.s[i] * self.s[i]).sum().item()
        d_hat = 2 * self.numerator / math.sqrt(s_sq)
        self.d = max(self.d, min(d_hat, self.d * self.growth_rate))
        for i, p in enumerate(self.params):
            if self.wd and self.decouple:
                p.mul_(1 - self.wd * (1.0 if self.fixed else dlr))
            z = self.x0[i] - self.s[i]
            p.copy_(self.momentum * p + (1 - self.momentum) * z)
