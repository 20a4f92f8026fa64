"""Cases of the layer-wise / norm-aware, learning-rate-free (D-Adaptation, Prodigy) and SM3 optimizers."""

from tests.cases import Case

LION_ROSENBROCK = (
    'sign steps of the adapted size d*lr cannot follow the curved valley: the loss plateaus near 0.47x its start '
    'for every lr in [0.2, 10] and betas tried (a constant-size sign method needs a decaying lr there)'
)

CASES = {
    'dadaptadam': [
        Case({}, lr=1.0, lrs={'rosenbrock': 0.5}, steps=300),
        Case({'weight_decay': 0.01, 'weight_decouple': True, 'bias_correction': True, 'growth_rate': 2.0}, lr=1.0),
        Case({'weight_decay': 0.01, 'weight_decouple': True, 'fixed_decay': True}, lr=1.0),
    ],
    'dadaptsgd': [
        Case({}, lr=1.0, lrs={'rosenbrock': 2.0}, steps=300),
        Case({'weight_decay': 0.01, 'growth_rate': 2.0, 'momentum': 0.0}, lr=1.0),
        Case({'weight_decay': 0.01, 'weight_decouple': True, 'fixed_decay': True}, lr=1.0),
    ],
    'dadaptadagrad': [
        Case({}, lr=1.0, lrs={'rosenbrock': 5.0}, steps=600),
        Case({'weight_decay': 0.01, 'growth_rate': 2.0, 'momentum': 0.5, 'eps': 1e-8}, lr=1.0),
        Case({'weight_decay': 0.01, 'weight_decouple': True, 'fixed_decay': True}, lr=1.0),
    ],
    'dadaptadan': [
        Case({}, lr=1.0, lrs={'rosenbrock': 0.5}, steps=300),
        Case({'weight_decay': 0.01, 'growth_rate': 2.0}, lr=1.0),
        Case({'weight_decay': 0.01, 'weight_decouple': True}, lr=1.0),
    ],
    'dadaptlion': [
        Case({}, lr=0.2, steps=300, skip={'rosenbrock': LION_ROSENBROCK}),
        Case({'weight_decay': 0.01}, lr=0.2),
        Case({'weight_decay': 0.01, 'weight_decouple': True, 'fixed_decay': True}, lr=0.2),
    ],
    'prodigy': [
        Case({}, lr=1.0, steps=300),
        Case({'weight_decay': 0.01, 'weight_decouple': False, 'bias_correction': True, 'growth_rate': 2.0}, lr=1.0),
        Case({'weight_decay': 0.01, 'fixed_decay': True, 'safeguard_warmup': True, 'beta3': 0.9, 'd_coef': 0.5}),
    ],
    'lars': [
        Case({}, lr=3.0, steps=300),
        Case({'weight_decay': 0.01, 'nesterov': True, 'dampening': 0.0, 'trust_coefficient': 0.02}, lr=0.3),
        Case({'weight_decay': 0.01, 'momentum': 0.0}, lr=1.0),
        Case({'momentum': 0.5, 'dampening': 0.5}, lr=1.0),
    ],
    'fromage': [
        Case({}, lr=0.03, steps=300),
        Case({'p_bound': 2.0}, lr=0.03),
    ],
    'nero': [
        Case({}, lr=1.0, lrs={'rosenbrock': 0.1}, steps=300),
        Case({'constraints': False, 'beta': 0.9}, lr=0.1),
    ],
    'sm3': [
        Case({}, lr=2.0, steps=600),
        Case({'momentum': 0.9, 'beta': 0.5}, lr=0.5),
    ],
    'alig': [
        Case({'max_lr': 1.0, 'momentum': 0.9}, steps=300),
        Case({'max_lr': 0.1}),
        Case({'momentum': 0.9, 'adjusted_momentum': True, 'max_lr': 0.5}),
    ],
}
