"""SRMM (double-averaged proximal SGD), single tensor, from Lyu 2022 with prox-linear surrogates."""

import torch


def srmm_step(p, g, state, lr, beta=0.5, memory_length=100):
    n = state['n'] = state.get('n', 0) + 1
    if memory_length is not None:
        n = (n - 1) % memory_length + 1
    w = n ** (-beta)
    g_bar = state['g_bar'] = (1 - w) * state.get('g_bar', torch.zeros_like(p)) + w * g
    theta_bar = state['theta_bar'] = (1 - w) * state.get('theta_bar', p.clone()) + w * p
    p.copy_(theta_bar - lr * g_bar)
