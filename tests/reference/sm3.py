"""SM3-II written straight from Anil et al. (2019), Algorithm 2, for 1-d and 2-d tensors: explicit cover sets."""

import torch


class SM3Reference:
    def __init__(self, params, lr=0.1, momentum=0.0, beta=0.0, eps=1e-30):
        self.params = list(params)
        self.lr, self.momentum, self.beta, self.eps = lr, momentum, beta, eps
        # cover sets: the rows and the columns of a matrix; each entry of a vector
        self.mu = [[torch.zeros(n, dtype=p.dtype) for n in p.shape] for p in self.params]
        self.m = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        for k, p in enumerate(self.params):
            g, mu = p.grad, self.mu[k]
            nu = torch.zeros_like(p)
            if p.dim() == 1:
                for i in range(p.shape[0]):
                    nu[i] = self.beta * mu[0][i] + (1 - self.beta) * g[i] ** 2 if self.beta else mu[0][i] + g[i] ** 2
            else:
                for i in range(p.shape[0]):
                    for j in range(p.shape[1]):
                        low = min(mu[0][i], mu[1][j])
                        nu[i, j] = (
                            self.beta * low + (1 - self.beta) * g[i, j] ** 2 if self.beta else low + g[i, j] ** 2
                        )
            for r in range(p.dim()):
                for i in range(p.shape[r]):
                    top = nu.select(r, i).max()
                    mu[r][i] = max(mu[r][i], top) if self.beta else top
            update = g / (nu + self.eps).sqrt()
            if self.momentum:
                self.m[k] = self.momentum * self.m[k] + (1 - self.momentum) * update
                update = self.m[k]
            p.sub_(self.lr * update)
