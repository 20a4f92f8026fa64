"""DAdaptAdaGrad written straight from Defazio & Mishchenko (2023) / the official code: plain loops, floats."""

import math

import torch


class DAdaptAdaGradReference:
    def __init__(
        self,
        params,
        lr=1.0,
        momentum=0.0,
        d0=1e-6,
        growth_rate=math.inf,
        weight_decay=0.0,
        weight_decouple=False,
        fixed_decay=False,
        eps=0.0,
    ):
        self.params = list(params)
        self.lr, self.momentum, self.d, self.growth_rate = lr, momentum, d0, growth_rate
        self.wd, self.decouple, self.fixed, self.eps = weight_decay, weight_decouple, fixed_decay, eps
        self.gsq_weighted = self.sksq_weighted = self.skl1 = 0.0
        self.alpha = [torch.full_like(p, 1e-6) for p in self.params]
        self.sk = [torch.zeros_like(p) for p in self.params]
        self.x0 = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def step(self):
        dlr = self.d * self.lr
        g_sq = sksq_change = skl1_change = 0.0
        for i, p in enumerate(self.params):
            g = p.grad + self.wd * p if self.wd and not self.decouple else p.grad.clone()
            old_sq = (self.sk[i] ** 2 / (self.alpha[i].sqrt() + self.eps)).sum().item()
            old_l1 = self.sk[i].abs().sum().item()
            self.alpha[i] = self.alpha[i] + g * g
            g_sq += (g * g / (self.alpha[i].sqrt() + self.eps)).sum().item()
            self.sk[i] = self.sk[i] + dlr * g
            sksq_change += (self.sk[i] ** 2 / (self.alpha[i].sqrt() + self.eps)).sum().item() - old_sq
            skl1_change += self.sk[i].abs().sum().item() - old_l1
        self.sksq_weighted += sksq_change
        self.skl1 += skl1_change
        self.gsq_weighted += dlr * dlr * g_sq
        d_hat = (self.sksq_weighted - self.gsq_weighted) / self.skl1
        self.d = max(self.d, min(d_hat, self.d * self.growth_rate))
        for i, p in enumerate(self.params):
            if self.wd and self.decouple:
                p.mul_(1 - self.wd * (1.0 if self.fixed else dlr))
            z = self.x0[i] - self.sk[i] / (self.alpha[i].sqrt() + self.eps)
            p.copy_(self.momentum * p + (1 - self.momentum) * z)
