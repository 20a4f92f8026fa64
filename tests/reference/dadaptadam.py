"""DAdaptAdam written straight from Defazio & Mishchenko (2023) / the official code: plain loops, floats."""

import math

import torch


class DAdaptAdamReference:
    def __init__(
        self,
        params,
        lr=1.0,
        betas=(0.9, 0.999),
        d0=1e-6,
        growth_rate=math.inf,
        weight_decay=0.0,
        weight_decouple=False,
        fixed_decay=False,
        bias_correction=False,
        eps=1e-8,
    ):
        self.params = list(params)
        self.lr, self.betas, self.d, self.growth_rate = lr, betas, d0, growth_rate
        self.wd, self.decouple, self.fixed, self.bias_correction, self.eps = (
            weight_decay,
            weight_decouple,
            fixed_decay,
            bias_correction,
            eps,
        )
        self.k, self.numerator = 0, 0.0
        self.s = [torch.zeros_like(p) for p in self.params]
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        beta1, beta2 = self.betas
        sqrt_beta2 = math.sqrt(beta2)
        self.k += 1
        scale = math.sqrt(1 - beta2**self.k) / (1 - beta1**self.k) if self.bias_correction else 1.0
        dlr = self.d * self.lr * scale
        numerator_acc, s_l1 = 0.0, 0.0
        grads = []
        for i, p in enumerate(self.params):
            g = p.grad.clone()
            if self.wd and not self.decouple:
                g = g + self.wd * p
            grads.append(g)
            denom = self.v[i].sqrt() + self.eps
            numerator_acc += dlr * torch.dot(g.flatten(), (self.s[i] / denom).flatten()).item()
            self.m[i] = beta1 * self.m[i] + dlr * (1 - beta1) * g
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * g * g
            self.s[i] = sqrt_beta2 * self.s[i] + dlr * (1 - sqrt_beta2) * g
            s_l1 += self.s[i].abs().sum().item()
        self.numerator = sqrt_beta2 * self.numerator + (1 - sqrt_beta2) * numerator_acc
        d_hat = self.numerator / ((1 - sqrt_beta2) * s_l1)
        self.d = max(self.d, min(d_hat, self.d * self.growth_rate))
        for i, p in enumerate(self.params):
            if self.wd and self.decouple:
                p.mul_(1 - self.wd * (1.0 if self.fixed else dlr))
            p.sub_(self.m[i] / (self.v[i].sqrt() + self.eps))
