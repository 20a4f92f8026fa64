"""Cases of the momentum / sign / SGD-family optimizers (issue 4)."""

import math

from tests.cases import Case

AGGMO_SKIP = {
    'hyperparams': 'AggMo takes any number of betas, so the generic one-beta-too-many check does not apply; '
    'its validation is tested in tests/optimizer/test_aggmo.py'
}

CASES = {
    'sgdw': [
        Case({'momentum': 0.9}, lr=1e-2, lrs={'rosenbrock': 5e-4, 'logistic': 0.5}, steps=600),
        Case({}, lr=1e-2, converge=False),
        Case({'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.1}, lr=1e-2, converge=False),
        Case(
            {'momentum': 0.5, 'dampening': 0.3, 'weight_decay': 0.1, 'weight_decouple': False},
            converge=False,
            bad=[({'nesterov': True}, ValueError, 'nesterov')],
        ),
    ],
    'sgdp': [
        Case({'momentum': 0.9}, lr=1e-2, lrs={'rosenbrock': 5e-4, 'logistic': 0.5}, steps=600),
        Case({'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.1, 'delta': 10.0}, lr=1e-2, converge=False),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'dampening': 0.2}, converge=False),
        Case({'momentum': 0.5, 'weight_decay': 0.01, 'fixed_decay': True, 'delta': 10.0}, converge=False),
    ],
    'signsgd': [
        Case({}, lr=1e-2, steps=400),
        Case({'momentum': 0.0, 'weight_decay': 0.1}, lr=1e-2, converge=False),
        Case({'weight_decay': 0.1, 'weight_decouple': False}, lr=1e-2, converge=False),
    ],
    'qhm': [
        Case({'momentum': 0.9, 'nu': 0.7}, lr=0.1, lrs={'rosenbrock': 2e-3, 'logistic': 1.0}, steps=600),
        Case({}, converge=False),
        Case({'momentum': 0.9, 'nu': 0.5, 'weight_decay': 0.1, 'weight_decouple': True}, converge=False),
        Case({'momentum': 0.5, 'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True}, converge=False),
    ],
    'aggmo': [
        Case(
            {},
            lr=1e-2,
            lrs={'rosenbrock': 2e-4, 'logistic': 0.2},
            steps=600,
            skip=AGGMO_SKIP,
        ),
        Case({'betas': (0.5,), 'weight_decay': 0.1}, converge=False, skip=AGGMO_SKIP),
        Case(
            {'betas': (0.0, 0.9), 'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True},
            converge=False,
            skip=AGGMO_SKIP,
        ),
    ],
    'pid': [
        Case({'momentum': 0.9}, lr=1e-2, lrs={'rosenbrock': 1e-4, 'logistic': 0.1}, steps=600),
        Case({}, converge=False),
        Case({'momentum': 0.5, 'dampening': 0.2, 'weight_decay': 0.1}, converge=False),
        Case({'momentum': 0.5, 'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True}, converge=False),
    ],
    'pnm': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 2e-3, 'logistic': 1.0}, steps=600),
        Case({'betas': (0.9, 0.5), 'weight_decay': 0.1}, converge=False),
        Case({'weight_decay': 0.1, 'weight_decouple': False}, converge=False),
        Case({'weight_decay': 0.01, 'fixed_decay': True}, converge=False),
    ],
    'gravity': [
        Case(
            {},
            lr=1.0,
            steps=600,
            skip={
                'rosenbrock': 'zeta = g / (1 + (g max|g|)^2) decays like 1/g^3: from Rosenbrock start, where the '
                'gradient is ~1e3, no learning rate in [1e-4, 1] moves the loss within 600 steps'
            },
        ),
        Case({'alpha': 0.0, 'beta': 0.5, 'seed': 3}, converge=False),
    ],
    'srmm': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 3e-3, 'logistic': 1.0}, steps=600),
        Case({'beta': 0.8, 'memory_length': 3}, converge=False),
        Case({'memory_length': None}, converge=False),
    ],
    'accsgd': [
        Case({}, lr=1e-3, lrs={'logistic': 0.3}, steps=600),
        Case({'kappa': 100.0, 'xi': 5.0, 'constant': 0.5, 'weight_decay': 0.1}, converge=False),
    ],
    'a2grad': [
        Case({'lips': 10.0, 'beta': 1.0}, steps=600),
        Case({'variant': 'inc'}, converge=False),
        Case({'variant': 'exp', 'rho': 0.9}, converge=False),
    ],
    'asgd': [
        Case({}, lr=1e-2, steps=600),
        Case({'amplifier': 1.0, 'dampening': 2.0, 'eps': 0.0, 'theta': math.inf}, converge=False),
        Case({'weight_decay': 0.1, 'weight_decouple': False}, converge=False),
        Case({'weight_decay': 0.1, 'fixed_decay': True}, converge=False),
    ],
}
