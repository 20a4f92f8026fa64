"""Gravity, single tensor, from Bahrami & Zadeh 2021, Algorithm 1 (counter from 0, as the official code)."""


def gravity_step(p, g, state, lr, v0, alpha=0.01, beta=0.9):
    t = state.get('t', 0)
    state['t'] = t + 1
    v = state.get('v', v0)
    m = 1.0 / g.abs().max()
    zeta = g / (1 + (g / m) ** 2)
    beta_hat = (beta * t + 1) / (t + 2)
    v = state['v'] = beta_hat * v + (1 - beta_hat) * zeta
    p.sub_(lr * v)
