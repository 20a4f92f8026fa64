"""DAdaptLion written straight from the official D-Adaptation code (Lion variant): plain loops, floats."""

import math

import torch


class DAdaptLionReference:
    def __init__(
        self, params, lr=1.0, betas=(0.9, 0.999), d0=1e-6, weight_decay=0.0, weight_decouple=False, fixed_decay=False
    ):
        self.params = list(params)
        self.lr, self.betas, self.d = lr, betas, d0
        self.wd, self.decouple, self.fixed = weight_decay, weight_decouple, fixed_decay
        self.numerator = 0.0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.s = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        beta1, beta2 = self.betas
        sqrt_beta2 = math.sqrt(beta2)
        dlr = self.d * self.lr
        numerator_acc = s_l1 = 0.0
        for i, p in enumerate(self.params):
            g = p.grad + self.wd * p if self.wd and not self.decouple else p.grad.clone()
            if self.wd and self.decouple:
                p.mul_(1 - self.wd * (1.0 if self.fixed else dlr))
            update = torch.sign(beta1 * self.m[i] + (1 - beta1) * g)
            p.sub_(dlr * update)
            self.m[i] = beta2 * self.m[i] + (1 - beta2) * dlr * g
            numerator_acc += dlr * torch.dot(update.flatten(), self.s[i].flatten()).item()
            self.s[i] = sqrt_beta2 * self.s[i] + (1 - sqrt_beta2) * dlr * update
            s_l1 += self.s[i].abs().sum().item()
        self.numerator = sqrt_beta2 * self.numerator + (1 - sqrt_beta2) * numerator_acc
        self.d = max(self.d, self.numerator / ((1 - sqrt_beta2) * s_l1))
