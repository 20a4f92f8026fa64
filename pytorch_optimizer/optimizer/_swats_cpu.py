"""SWATS's eager CPU update: each tensor's phase read on the host, cache-sized pieces.

Reference: Keskar & Socher, "Improving Generalization Performance by Switching from Adam to SGD", 2017.
https://arxiv.org/abs/1712.07628
"""

from __future__ import annotations

import torch

from pytorch_optimizer.base.functional import cache_slices


def update_cpu(opt, group, params, grads, moments, momentum_buffer, exp_avg2, sgd_lr, step_size):
    """:meth:`.SWATS._update` of ``opt`` with each tensor's phase read on the host (no device to wait for): the
    other phase's masked passes are skipped, and a tensor is updated over cache-sized pieces (one pass over
    memory). ``moments``: the gradients fed to :math:`m_t`, :math:`m_t`, :math:`v_t` and the :math:`v_t` of the
    denominator (its running maximum with ``ams_bound``)."""
    beta1, beta2 = group['betas']
    adam, pgs, pps = [], [], []
    for i, (p, g, *tensors) in enumerate(zip(params, grads, *moments)):
        in_sgd, pg, pp = bool(sgd_lr[i] > 0), [], []
        for xp, gp, mgp, mp, vp, vmaxp in cache_slices([p, g, *tensors], opt.cache_chunk):
            mp.lerp_(mgp, 1.0 - beta1)
            vp.mul_(beta2).addcmul_(gp, gp, value=1.0 - beta2)
            if group['ams_bound']:
                torch.maximum(vmaxp, vp, out=vmaxp)
            if in_sgd:  # SGD phase: the Adam moments still advance, the Adam step is 0
                continue
            u = torch.sqrt(vmaxp, out=opt.scratch([xp], 'adam_step')[0]).add_(group['eps'])
            flat = torch.div(mp, u, out=u).mul_(-step_size).view(-1)
            pg.append(torch.dot(flat, gp.reshape(-1)))
            pp.append(torch.dot(flat, flat))
            xp.add_(u)
        if in_sgd:  # the momentum buffer and the SGD step stay 0 in the Adam phase
            buffer = momentum_buffer[i].mul_(beta1).add_(g)
            sgd_step = torch.add(g, buffer, alpha=beta1) if group['nesterov'] else buffer
            p.addcmul_(sgd_step, sgd_lr[i] * -(1.0 - beta1))
            continue
        adam.append(i)
        pgs.append(pg[0] if len(pg) == 1 else torch.stack(pg).sum())
        pps.append(pp[0] if len(pp) == 1 else torch.stack(pp).sum())
    if adam:
        pg, pp = torch.stack(pgs), torch.stack(pps)
        opt._switch(group, pg, pp, [exp_avg2[i] for i in adam], [sgd_lr[i] for i in adam])
