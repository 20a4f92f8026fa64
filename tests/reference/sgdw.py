"""SGDW, single tensor, from Loshchilov & Hutter 2019, Algorithm 1 (with torch.optim.SGD's switches)."""


def sgdw_step(p, g, state, lr, momentum=0.0, weight_decay=0.0, weight_decouple=True, dampening=0.0, nesterov=False):
    step = state['step'] = state.get('step', 0) + 1
    if weight_decouple:
        p.mul_(1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    d = g
    if momentum > 0:
        b = g.clone() if step == 1 else momentum * state['b'] + (1 - dampening) * g
        state['b'] = b
        d = g + momentum * b if nesterov else b
    p.sub_(lr * d)
