"""Cases of AdaDelta, AdaShift, AdaSmooth, Adan, Amos, MADGRAD, MSVAG, Adai, ApolloDQN, AdaFactor, Ranger, Ranger21."""

from tests.cases import Case

CASES = {
    'adadelta': [
        Case({}, lr=1.0, lrs={'quadratic': 10.0, 'logistic': 30.0, 'rosenbrock': 10.0}, steps=400),
        Case({'weight_decay': 0.1, 'weight_decouple': True}),
        Case({'weight_decay': 0.1, 'fixed_decay': True, 'weight_decouple': True, 'rho': 0.5}),
    ],
    'adashift': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 0.3}, steps=400),
        Case({'reduce_func': None, 'keep_num': 2}),
        Case(
            {'keep_num': 1, 'betas': (0.5, 0.9)},
            bad=[({'reduce_func': 'min'}, ValueError, 'reduce_func'), ({'keep_num': 0}, ValueError, 'keep_num')],
        ),
    ],
    'adasmooth': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 3e-2}, steps=400),
        Case({'weight_decay': 0.1}),
        Case({'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True}),
    ],
    'adan': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'max_grad_norm': 1.0, 'use_gc': True}),
        Case(
            {'weight_decay': 0.1, 'weight_decouple': True, 'adanorm': True},
            bad=[({'betas': (0.9, 0.9)}, ValueError, 'betas')],
        ),
    ],
    'amos': [
        Case({}, lr=1e-1, steps=400),
        Case({'momentum': 0.9, 'extra_l2': 0.01}, bad=[({'beta': 1.0}, ValueError, 'beta')]),
    ],
    'madgrad': [
        Case({}, lr=1e-2, steps=400),
        Case({'momentum': 0.0, 'weight_decay': 0.1}),
        Case({'weight_decay': 0.1, 'weight_decouple': True}),
    ],
    'msvag': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 3e-3}, steps=400),
        Case({'beta': 0.0}, bad=[({'beta': 1.0}, ValueError, 'beta')]),
    ],
    'adai': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 3e-3}, steps=400),
        Case({'weight_decay': 0.1, 'use_gc': True}),
        Case({'weight_decay': 0.1, 'stable_weight_decay': True, 'dampening': 0.5}),
        Case({'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True}),
    ],
    'apollodqn': [
        # Rosenbrock at lr 1e-4 sits at the edge of stability (2e-4 diverges): its value after 400 steps
        # swung with rounding (1.5 or 782); at 5e-5 it converges (0.08) whatever the rounding
        Case({'warmup_steps': 100}, lr=1e-4, lrs={'logistic': 1e-2, 'rosenbrock': 5e-5}, steps=400),
        Case({'rebound': 'belief', 'weight_decay': 0.1}, bad=[({'rebound': 'x'}, ValueError, 'rebound')]),
        Case({'weight_decay': 0.1, 'weight_decay_type': 'stable', 'warmup_steps': 0}),
        Case({'weight_decay': 0.1, 'weight_decay_type': 'decoupled'}),
    ],
    'adafactor': [
        Case({'relative_step': False, 'scale_parameter': False}, lr=1e-1, steps=400),
        Case({}),
        Case({'betas': (0.0, 0.999), 'decay_rate': None, 'weight_decay': 0.1, 'ams_bound': True, 'warmup_init': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False}),
    ],
    'ranger': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 1.0}, steps=400),
        Case({'degenerated_to_sgd': True, 'weight_decay': 0.1, 'adanorm': True, 'k': 2}),
        Case({'use_gc': False, 'weight_decouple': False, 'weight_decay': 0.1, 'adam_debias': True}),
    ],
    'ranger21': [
        Case({'num_iterations': 400}, lr=1e-1, lrs={'rosenbrock': 1.0}, steps=400),
        Case({'num_iterations': 20, 'use_softplus': False, 'normalize_gradients': False, 'num_warm_up_iterations': 2}),
        Case({'num_iterations': 8, 'weight_decouple': False, 'adam_debias': True, 'disable_lr_scheduler': True}),
        Case(
            {'num_iterations': 8, 'fixed_decay': True, 'centralize_gradients': False},
            bad=[({'num_iterations': 0}, ValueError, 'num_iterations')],
        ),
    ],
}
