"""Fromage written straight from Bernstein et al. (2020) / the official code: plain loops, one tensor at a time."""

import math

import torch


class FromageReference:
    def __init__(self, params, lr=0.01, p_bound=None):
        self.params = list(params)
        self.lr, self.p_bound = lr, p_bound
        self.max = [p_bound * p.norm().item() for p in self.params] if p_bound is not None else None

    @torch.no_grad()
    def step(self):
        for i, p in enumerate(self.params):
            g = p.grad
            p_norm, g_norm = p.norm().item(), g.norm().item()
            if p_norm > 0.0 and g_norm > 0.0:
                p.sub_(self.lr * g * (p_norm / g_norm))
            else:
                p.sub_(self.lr * g)
            p.div_(math.sqrt(1 + self.lr**2))
            if self.p_bound is not None and p.norm().item() > self.max[i]:
                p.mul_(self.max[i] / p.norm().item())
