"""Prodigy written straight from Mishchenko & Defazio (2024) / the official code: plain loops, floats."""

import math

import torch


class ProdigyReference:
    def __init__(
        self,
        params,
        lr=1.0,
        betas=(0.9, 0.999),
        beta3=None,
        d0=1e-6,
        d_coef=1.0,
        growth_rate=math.inf,
        weight_decay=0.0,
        weight_decouple=True,
        fixed_decay=False,
        bias_correction=False,
        safeguard_warmup=False,
        eps=1e-8,
    ):
        self.params = list(params)
        self.lr, self.betas, self.beta3 = lr, betas, beta3 if beta3 is not None else math.sqrt(betas[1])
        self.d = self.d_max = self.d0 = d0
        self.d_coef, self.growth_rate, self.eps = d_coef, growth_rate, eps
        self.wd, self.decouple, self.fixed = weight_decay, weight_decouple, fixed_decay
        self.bias_correction, self.safeguard = bias_correction, safeguard_warmup
        self.k, self.numerator = 0, 0.0
        self.p0 = [p.detach().clone() for p in self.params]
        self.s = [torch.zeros_like(p) for p in self.params]
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        beta1, beta2 = self.betas
        self.k += 1
        scale = math.sqrt(1 - beta2**self.k) / (1 - beta1**self.k) if self.bias_correction else 1.0
        d = self.d
        dlr = d * self.lr * scale
        self.numerator *= self.beta3
        denominator = 0.0
        grads = [p.grad + self.wd * p if self.wd and not self.decouple else p.grad.clone() for p in self.params]
        for i, (p, g) in enumerate(zip(self.params, grads)):
            self.numerator += (d / self.d0) * dlr * torch.dot(g.flatten(), (self.p0[i] - p).flatten()).item()
            self.m[i] = beta1 * self.m[i] + d * (1 - beta1) * g
            self.v[i] = beta2 * self.v[i] + d * d * (1 - beta2) * g * g
            self.s[i] = self.beta3 * self.s[i] + (d / self.d0) * (d if self.safeguard else dlr) * g
            denominator += self.s[i].abs().sum().item()
        d_hat = self.d_coef * self.numerator / denominator
        if self.d == self.d0:
            self.d = max(self.d, d_hat)
        self.d_max = max(self.d_max, d_hat)
        self.d = min(self.d_max, self.d * self.growth_rate)
        for i, p in enumerate(self.params):
            if self.wd and self.decouple:
                p.mul_(1 - self.wd * (1.0 if self.fixed else dlr))
            p.sub_(dlr * self.m[i] / (self.v[i].sqrt() + self.d * self.eps))
