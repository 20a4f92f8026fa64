"""Cases of the adaptive (Adam-family) optimizers, part A (issue 3)."""

from tests.cases import Case

CASES = {
    'adabound': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'ams_bound': True, 'cautious': True, 'adam_debias': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False}),
    ],
    'amsbound': [Case({}, lr=1e-1, steps=400), Case({'fixed_decay': True, 'weight_decay': 0.01}, converge=False)],
    'adamax': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 0.5}, steps=400),
        Case({'weight_decay': 0.1, 'weight_decouple': True, 'adanorm': True, 'cautious': True}),
        Case({'weight_decay': 0.1, 'adam_debias': True}),
    ],
    'adamod': [
        # beta3 = 0.9999 warms the step-size average up over ~1e4 steps; the tasks run 400
        Case({'betas': (0.9, 0.999, 0.95)}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'cautious': True, 'adam_debias': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'betas': (0.9, 0.999, 0.5)}),
    ],
    'adanorm': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'ams_bound': True, 'cautious': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'adam_debias': True, 'r': 0.5}),
    ],
    'adapnm': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 0.3}, steps=400),
        Case({'weight_decay': 0.1, 'ams_bound': False, 'adanorm': True, 'cautious': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'adam_debias': True, 'betas': (0.9, 0.999, 0.5)}),
    ],
    'adams': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'ams_bound': True, 'adanorm': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'adam_debias': True}),
        Case({'weight_decay': 0.1, 'fixed_decay': True}),
    ],
    'avagrad': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 1e-2}, steps=400),
        Case({'weight_decay': 0.1, 'adam_debias': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False}),
    ],
    'diffgrad': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'ams_bound': True, 'adanorm': True, 'cautious': True}),
        Case({'rectify': True, 'weight_decouple': False, 'weight_decay': 0.1, 'adam_debias': True}),
        Case({'rectify': True, 'degenerated_to_sgd': False, 'cautious': True}),
    ],
    'diffrgrad': [Case({'degenerated_to_sgd': False}, lr=1e-1, lrs={'rosenbrock': 0.3}, steps=400)],
    'qhadam': [
        Case({'nus': (0.7, 1.0), 'betas': (0.995, 0.999)}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'nus': (0.5, 0.8), 'cautious': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': True}),
    ],
    'radam': [
        Case({}, lr=1e-1, lrs={'rosenbrock': 0.3}, steps=400),
        Case({'weight_decay': 0.1, 'degenerated_to_sgd': True, 'adanorm': True, 'cautious': True}, lr=1e-2),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'adam_debias': True, 'n_sma_threshold': 4}),
    ],
    'yogi': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'adanorm': True, 'cautious': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'initial_accumulator': 0.0}),
    ],
    'swats': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'ams_bound': True, 'adanorm': True, 'nesterov': True, 'eps': 1e-1}),
        Case({'weight_decay': 0.1, 'weight_decouple': True, 'adam_debias': True, 'eps': 1.0}),
    ],
    'novograd': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'grad_averaging': True}),
        Case({'weight_decay': 0.1, 'weight_decouple': True, 'fixed_decay': True}),
    ],
    'lamb': [
        # the trust ratio makes steps proportional to |theta|: larger lr overshoot the quadratic
        Case({}, lr=3e-2, steps=400),
        Case({'weight_decay': 0.1, 'pre_norm': True, 'adanorm': True, 'grad_averaging': False}),
        Case({'rectify': True, 'degenerated_to_sgd': True, 'weight_decouple': False, 'weight_decay': 0.1}),
        Case({'weight_decay': 0.1, 'adam': True, 'adam_debias': True, 'fixed_decay': True, 'pre_norm': True}),
    ],
}
