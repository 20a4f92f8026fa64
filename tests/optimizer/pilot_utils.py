"""Drive a library optimizer and a single-tensor reference on the same gradients (float64)."""

import torch


def grad_fn(p, k):
    """A deterministic, parameter-dependent gradient (the gradient of a non-quadratic loss)."""
    return torch.sin(3.0 * p + k) + 0.5 * p + 0.1 * p**3


def compare(opt_cls, ref_step, shapes, steps=12, opt_kwargs=None, ref_kwargs=None, rtol=1e-12, atol=1e-13):
    opt_kwargs, ref_kwargs = opt_kwargs or {}, ref_kwargs or {}
    gen = torch.Generator().manual_seed(0)
    inits = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes]
    params = [torch.nn.Parameter(x.clone()) for x in inits]
    refs = [x.clone() for x in inits]
    states = [{} for _ in refs]
    opt = opt_cls(params, **opt_kwargs)
    for k in range(steps):
        for p in params:
            p.grad = grad_fn(p.detach(), k)
        grads = [grad_fn(r, k) for r in refs]
        opt.step()
        for r, g, s in zip(refs, grads, states):
            ref_step(r, g, s, **ref_kwargs)
        for i, (p, r) in enumerate(zip(params, refs)):
            torch.testing.assert_close(
                p.detach(), r, rtol=rtol, atol=atol, msg=lambda m, i=i, k=k: f'step {k} param {i}: {m}'
            )
    return params
