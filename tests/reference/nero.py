"""Nero written straight from Liu et al. (2021) / the official code: plain loops over neurons."""

import torch


def neuron_stats(x):
    """Per-neuron norm and mean, shaped like x's neurons (rows of dim 0); element-wise for 0/1-d tensors."""
    if x.dim() <= 1:
        return x.abs(), None
    rows = x.reshape(x.shape[0], -1)
    shape = (-1,) + (1,) * (x.dim() - 1)
    return rows.norm(dim=1).view(shape), rows.mean(dim=1).view(shape)


class NeroReference:
    def __init__(self, params, lr=0.01, beta=0.999, constraints=True, eps=1e-8):
        self.params = list(params)
        self.lr, self.beta, self.constraints, self.eps = lr, beta, constraints, eps
        self.k, self.v, self.scale = 0, [], []

    def init(self):
        # as in the official code: the state (and the first projection) is created in the first step,
        # after that step's gradient was computed
        for p in self.params:
            if self.constraints and p.dim() > 1:
                self.project(p)
            norm = neuron_stats(p)[0]
            self.v.append(torch.zeros_like(norm))
            self.scale.append(norm.mean().item() or 0.01)

    def project(self, p):
        p.sub_(neuron_stats(p)[1])
        p.div_(neuron_stats(p)[0] + self.eps)

    @torch.no_grad()
    def step(self):
        if self.k == 0:
            self.init()
        self.k += 1
        for i, p in enumerate(self.params):
            self.v[i] = self.beta * self.v[i] + (1 - self.beta) * neuron_stats(p.grad)[0] ** 2
            p.sub_(self.lr * self.scale[i] * p.grad / ((self.v[i] / (1 - self.beta**self.k)).sqrt() + self.eps))
            if self.constraints and p.dim() > 1:
                self.project(p)
