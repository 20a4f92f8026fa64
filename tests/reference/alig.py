"""AliG written straight from Berrada et al. (2020) / the official code: plain loops, floats."""

import torch


class AliGReference:
    def __init__(self, params, max_lr=None, momentum=0.0, adjusted_momentum=False, eps=1e-5):
        self.params = list(params)
        self.max_lr, self.momentum, self.adjusted, self.eps = max_lr, momentum, adjusted_momentum, eps
        self.buffers = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self, loss):
        grad_sq = sum(p.grad.norm().item() ** 2 for p in self.params)
        step_size = float(loss) / (grad_sq + self.eps)
        if self.max_lr is not None:
            step_size = min(step_size, self.max_lr)
        for p, b in zip(self.params, self.buffers):
            p.sub_(step_size * p.grad)
            if self.momentum and self.adjusted:
                b.mul_(self.momentum).sub_(p.grad)
                p.add_(step_size * self.momentum * b)
            elif self.momentum:
                b.mul_(self.momentum).sub_(step_size * p.grad)
                p.add_(self.momentum * b)
