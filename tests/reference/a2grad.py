"""A2Grad, single tensor, from Deng, Cheng & Lan 2018 (variants uni / inc / exp, practical form)."""

import math


def a2grad_step(p, g, state, lips=10.0, beta=10.0, rho=0.5, variant='uni', lr=None):
    k = state['k'] = state.get('k', -1) + 1
    grads = state.setdefault('grads', [])
    grads.append(g.clone())
    delta = (g - sum(grads) / (k + 1)).pow(2).sum()
    if variant == 'uni':
        v = state['v'] = state.get('v', 0.0) + delta
        h = math.sqrt(v)
    elif variant == 'inc':
        v = state['v'] = (k / (k + 1)) ** 2 * state.get('v', 0.0) + delta
        h = math.sqrt(v)
    else:
        v_tilde = state['v_tilde'] = delta if k == 0 else rho * state['v_tilde'] + (1 - rho) * delta
        v = state['v'] = max(v_tilde, state.get('v', 0.0))
        h = math.sqrt((k + 1) * v)
    gamma, alpha_k, alpha_next = 2 * lips / (k + 1), 2 / (k + 2), 2 / (k + 3)
    coef = 1 / (gamma + beta * h)
    x = state['x'] = state.get('x', p.clone()) - coef * g
    p.copy_((1 - alpha_next) * p + alpha_next * x - (1 - alpha_next) * alpha_k * coef * g)
