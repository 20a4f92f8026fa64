"""Lion, single tensor, from Chen et al. 2023, Algorithm 2 (with the older API's switches)."""

import torch


def lion_step(
    p,
    g,
    state,
    lr,
    betas,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    use_gc=False,
    r=0.95,
    adanorm=False,
    cautious=False,
):
    beta1, beta2 = betas
    if use_gc and g.dim() > 1:
        g = g - g.mean(dim=tuple(range(1, g.dim())), keepdim=True)
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    m = state.setdefault('m', torch.zeros_like(p))
    c = beta1 * m + (1 - beta1) * g
    u = torch.sign(c)
    if cautious:
        mask = (u * g > 0).to(p.dtype)
        u = u * mask / max(mask.mean().item(), 1e-3)
    p.sub_(lr * u)
    if adanorm:
        gn = g.norm()
        e = state['e'] = r * state.get('e', 0.0) + (1 - r) * gn
        if e > gn:
            g = g * (e / gn)
    state['m'] = beta2 * m + (1 - beta2) * g
