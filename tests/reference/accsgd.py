"""AccSGD, single tensor, from Kidambi et al. 2018, Algorithm 1 (short step delta = lr)."""


def accsgd_step(p, g, state, lr, kappa=1000.0, xi=10.0, constant=0.7, weight_decay=0.0):
    g = g + weight_decay * p
    alpha = 1 - constant**2 * xi / kappa
    w_bar = state.get('w_bar', p.clone())
    w_bar = state['w_bar'] = alpha * w_bar + (1 - alpha) * (p - kappa * lr / constant * g)
    short = p - lr * g
    p.copy_(constant / (constant + 1 - alpha) * short + (1 - alpha) / (constant + 1 - alpha) * w_bar)
