"""AdamP / SGDP on a matrix whose gradient is orthogonal to the whole layer but not to its rows: the layer
view's projection (the CPU path decides it from flat sums on the host; the masked path row by row)."""

import torch


def layer_orthogonal_run(opt_cls, ref_step, kwargs: dict, steps: int = 8) -> None:
    gen = torch.Generator().manual_seed(0)
    init = torch.randn(6, 8, generator=gen, dtype=torch.float64)
    p, ref, state = torch.nn.Parameter(init.clone()), init.clone(), {}
    opt = opt_cls([p], **kwargs)
    for k in range(steps):
        g = torch.randn(6, 8, generator=gen, dtype=torch.float64)
        g -= torch.dot(g.flatten(), ref.flatten()) / torch.dot(ref.flatten(), ref.flatten()) * ref
        rows = torch.nn.functional.cosine_similarity(g, ref, dim=1).abs()
        assert rows.max() > 0.2  # the per-row (channel) view does not project: the layer view must
        p.grad = g.clone()
        opt.step()
        ref_step(ref, g, state, **kwargs)
        torch.testing.assert_close(p.detach(), ref, rtol=1e-12, atol=1e-13, msg=lambda m, k=k: f'step {k}: {m}')
