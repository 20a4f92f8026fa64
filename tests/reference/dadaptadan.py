"""DAdaptAdan written straight from the official D-Adaptation code (Adan variant): plain loops, floats."""

import math

import torch


class DAdaptAdanReference:
    def __init__(
        self,
        params,
        lr=1.0,
        betas=(0.98, 0.92, 0.99),
        weight_decay=0.0,
        weight_decouple=False,
        d0=1e-6,
        growth_rate=math.inf,
        eps=1e-8,
    ):
        self.params = list(params)
        self.lr, self.betas, self.wd, self.decouple = lr, betas, weight_decay, weight_decouple
        self.d, self.growth_rate, self.eps = d0, growth_rate, eps
        self.gsq_weighted = 0.0
        zeros = lambda: [torch.zeros_like(p) for p in self.params]  # noqa: E731
        self.s, self.m, self.n, self.v = zeros(), zeros(), zeros(), zeros()
        self.prev = None

    @torch.no_grad()
    def step(self):
        beta1, beta2, beta3 = self.betas
        dlr = self.d * self.lr
        grads = [p.grad.clone() for p in self.params]
        if self.prev is None:
            self.prev = [g.clone() for g in grads]
        g_sq = sksq = s_l1 = 0.0
        for i, g in enumerate(grads):
            diff = g - self.prev[i]
            update = g + beta2 * diff
            self.m[i] = beta1 * self.m[i] + dlr * (1 - beta1) * g
            self.n[i] = beta2 * self.n[i] + dlr * (1 - beta2) * diff
            self.v[i] = beta3 * self.v[i] + (1 - beta3) * update * update
            denom = self.v[i].sqrt() + self.eps
            g_sq += (g * g / denom).sum().item()
            self.s[i] = beta3 * self.s[i] + dlr * (1 - beta3) * g
            sksq += (self.s[i] ** 2 / denom).sum().item()
            s_l1 += self.s[i].abs().sum().item()
        self.gsq_weighted = beta3 * self.gsq_weighted + g_sq * dlr**2 * (1 - beta3)
        d_hat = (sksq / (1 - beta3) - self.gsq_weighted) / s_l1
        self.d = max(self.d, min(d_hat, self.d * self.growth_rate))
        for i, p in enumerate(self.params):
            update = (self.m[i] + beta2 * self.n[i]) / (self.v[i].sqrt() + self.eps)
            if self.decouple:
                p.mul_(1 - dlr * self.wd).sub_(update)
            else:
                p.sub_(update).div_(1 + dlr * self.wd)
        self.prev = grads
