"""AdaHessian, single tensor, from Yao et al. 2021, Algorithm 1 (spatial averaging of 4-d kernels; AdamW decay).

``diag`` is the Hutchinson estimate z * (H z) of this step, or None on steps without a new estimate.
"""

import torch


def adahessian_step(
    p,
    g,
    diag,
    state,
    lr,
    betas,
    eps,
    weight_decay=0.0,
    weight_decouple=True,
    fixed_decay=False,
    hessian_power=1.0,
    adam_debias=False,
):
    beta1, beta2 = betas
    t = state['t'] = state.get('t', 0) + 1
    if weight_decouple:
        p.mul_(1 - weight_decay * (1.0 if fixed_decay else lr))
    else:
        g = g + weight_decay * p
    m = state['m'] = beta1 * state.get('m', torch.zeros_like(p)) + (1 - beta1) * g
    if diag is not None:
        if diag.dim() == 4:
            diag = diag.mean(dim=(2, 3), keepdim=True).expand_as(diag)
        state['v'] = beta2 * state.get('v', torch.zeros_like(p)) + (1 - beta2) * diag * diag
        state['n'] = state.get('n', 0) + 1
    v_hat = state['v'] / (1 - beta2 ** state['n'])
    denom = v_hat ** (hessian_power / 2) + eps
    step_size = lr if adam_debias else lr / (1 - beta1**t)
    p.sub_(step_size * m / denom)
