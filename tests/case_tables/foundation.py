"""Cases of the pilot optimizers and of torch's own optimizers registered from the table."""

from tests.cases import Case

TORCH_FOREACH = dict(tol=1e-13, tol_reason="torch's foreach and for-loop kernels order operations differently")
TORCH_OWN = {'hyperparams': "torch's own validation (messages are torch's)", 'sparse': "torch's own error types"}

CASES = {
    'lion': [
        Case({}, lr=1e-2, steps=400),
        Case({'weight_decay': 0.1, 'weight_decouple': True, 'cautious': True}, lr=1e-2),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'use_gc': True, 'adanorm': True}, lr=1e-2),
    ],
    'adabelief': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'ams_bound': True, 'adanorm': True, 'cautious': True}),
        Case({'rectify': True, 'degenerated_to_sgd': False, 'weight_decouple': False, 'weight_decay': 0.1}),
        Case({'rectify': True, 'adam_debias': True, 'fixed_decay': True, 'weight_decay': 0.01}),
    ],
    'radabelief': [
        # the SGD phase of the first steps (degenerated_to_sgd) diverges on Rosenbrock's large gradients
        Case({'degenerated_to_sgd': False}, lr=1e-1, lrs={'rosenbrock': 0.3}, steps=400),
        Case({}, lr=1e-2, converge=False),
    ],
    'adamp': [
        Case({}, lr=1e-1, steps=400),
        Case({'weight_decay': 0.1, 'nesterov': True, 'delta': 10.0}),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'use_gc': True, 'adanorm': True, 'adam_debias': True}),
    ],
    # torch's own optimizers, for the properties that apply to them
    'adam': [Case({}, steps=400, skip=TORCH_OWN, **TORCH_FOREACH)],
    'adamw': [Case({'weight_decay': 0.01}, steps=400, skip=TORCH_OWN, **TORCH_FOREACH)],
    'nadam': [
        Case(
            {},
            lrs={'rosenbrock': 3e-2},
            steps=400,
            skip={**TORCH_OWN, 'state_dict': "torch.optim.NAdam's resumed mu_product differs in the last bits"},
            **TORCH_FOREACH,
        )
    ],
    'sgd': [Case({'momentum': 0.9}, lr=1e-2, lrs={'rosenbrock': 5e-4}, steps=600, skip=TORCH_OWN, **TORCH_FOREACH)],
    'rmsprop': [Case({}, lr=1e-2, lrs={'rosenbrock': 1e-1}, steps=600, skip=TORCH_OWN, **TORCH_FOREACH)],
    'adagrad': [
        Case(
            {},
            lr=0.5,
            lrs={'rosenbrock': 2.0},
            steps=600,
            skip={**TORCH_OWN, 'none_grad': 'torch.optim.Adagrad creates the state of every parameter eagerly'},
            **TORCH_FOREACH,
        )
    ],
    'rprop': [Case({}, lr=1e-2, steps=300, skip=TORCH_OWN, **TORCH_FOREACH)],
    'lbfgs': [
        Case(
            {},
            lr=1.0,
            steps=20,
            skip={
                **TORCH_OWN,
                'none_grad': 'LBFGS keeps one flat view of all parameters and needs every gradient',
                'nan_isolation': 'LBFGS uses global inner products over all parameters',
                'complex': 'torch.optim.LBFGS does not support complex parameters',
                'bf16': 'LBFGS line-search arithmetic is not meant for bf16',
                'closure': "torch.optim.LBFGS raises its own error without a closure",
                'foreach': 'no foreach option',
                **dict.fromkeys(
                    ('grad_untouched', 'state_dict', 'copy'),
                    "torch.optim.LBFGS flattens with .view(), which fails on non-contiguous parameters",
                ),
            },
        )
    ],
    'sparseadam': [
        Case(
            {},
            skip=dict.fromkeys(
                (
                    'foreach',
                    'grad_untouched',
                    'maximize',
                    'none_grad',
                    'state_dict',
                    'copy',
                    'complex',
                    'nan_isolation',
                    'bf16',
                    'closure',
                    'quadratic',
                    'rosenbrock',
                    'logistic',
                    'hyperparams',
                    'sparse',
                ),
                'torch.optim.SparseAdam accepts only sparse gradients',
            ),
        )
    ],
}
