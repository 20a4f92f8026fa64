"""LARS written straight from You, Gitman & Ginsburg (2017), Algorithm 1: plain loops, one tensor at a time."""

import torch


class LARSReference:
    def __init__(
        self, params, lr=1e-3, weight_decay=0.0, momentum=0.9, dampening=0.0, trust_coefficient=1e-3, nesterov=False
    ):
        self.params = list(params)
        self.lr, self.wd, self.momentum, self.dampening = lr, weight_decay, momentum, dampening
        self.eta, self.nesterov = trust_coefficient, nesterov
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        for i, w in enumerate(self.params):
            g = w.grad
            w_norm, g_norm = w.norm().item(), g.norm().item()
            local_lr = self.eta * w_norm / (g_norm + self.wd * w_norm) if w_norm > 0 and g_norm > 0 else 1.0
            u = local_lr * (g + self.wd * w)
            if self.momentum == 0:
                w.sub_(self.lr * u)
                continue
            # the paper's v holds lr * local_lr * (g + wd w); with a constant lr, v = lr * buffer
            self.v[i] = self.momentum * self.v[i] + self.lr * (1 - self.dampening) * u
            w.sub_(self.lr * u + self.momentum * self.v[i] if self.nesterov else self.v[i])
