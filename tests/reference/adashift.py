"""AdaShift, single tensor, from Zhou et al. 2019, Algorithm 3 (queue of the last n gradients)."""

import torch


def adashift_step(p, g, state, lr=1e-3, betas=(0.9, 0.999), keep_num=10, reduce_func='max', eps=1e-10):
    beta1, beta2 = betas
    t = state['t'] = state.get('t', 0) + 1
    queue = state.setdefault('queue', [])
    queue.append(g.clone())
    if len(queue) <= keep_num:  # the first n steps only fill the queue
        return
    oldest = queue.pop(0)
    window = queue[::-1]  # g_t, g_{t-1}, ..., g_{t-n+1}
    m = sum(beta1**i * gi for i, gi in enumerate(window)) / sum(beta1**i for i in range(keep_num))
    phi = (oldest * oldest).max() if reduce_func == 'max' else oldest * oldest
    v = state['v'] = beta2 * state.get('v', torch.zeros_like(phi)) + (1 - beta2) * phi
    p.sub_(lr * m / (torch.sqrt(v / (1 - beta2 ** (t - keep_num))) + eps))
