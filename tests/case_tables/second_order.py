"""Cases of the second-order and preconditioned optimizers (issue 5)."""

from tests.cases import Case

HUTCHINSON_BAD = [
    ({'update_period': 0}, ValueError, 'update_period'),
    ({'num_samples': 0}, ValueError, 'num_samples'),
    ({'hessian_distribution': 'uniform'}, ValueError, 'hessian_distribution'),
    ({'seed': -1}, ValueError, 'seed'),
]

SHAMPOO_BAD = [
    ({'block_size': 0}, ValueError, 'block_size'),
    ({'graft_type': 'adam'}, ValueError, 'graft_type'),
    ({'pre_conditioner_type': 7}, ValueError, 'pre_conditioner_type'),
    ({'start_preconditioning_step': '25'}, TypeError, 'start_preconditioning_step'),
]

NEWTON_BAD = [
    ({'damping': -1.0}, ValueError, r'damping.*-1'),
    ({'eigval_fn': 'square'}, ValueError, 'eigval_fn'),
    ({'hessian': 'bfgs'}, ValueError, 'hessian'),
    ({'h': 0.0}, ValueError, r'h.*0'),
]
NOT_P_GRAD = {
    'sparse': 'derivatives come from the autograd graph of closure(False); p.grad is never read, so a sparse '
    'p.grad is neither used nor an error'
}
FD_COST = (
    'finite-difference Newton makes 2n^2+1 closure calls per step: over 10,000 on the 71 coordinates of the '
    'contract parameters (~20 s per run); the step code is the newton cases\' and tests/optimizer/test_newton.py '
    'checks this property for hessian="fd" on a small problem'
)
FD_SKIP = {
    **NOT_P_GRAD,
    **dict.fromkeys(('grad_untouched', 'maximize', 'state_dict', 'copy', 'bf16'), FD_COST),
    'none_grad': 'finite differences of closure values cannot tell which parameters the loss depends on: every '
    'trainable parameter is perturbed, and an unused one gets a zero Hessian row whose pseudo-inverse step is '
    'zero only up to rounding',
}

CASES = {
    'adahessian': [
        Case(
            {},
            lr=0.3,
            lrs={'rosenbrock': 3.0},
            steps=300,
            bad=HUTCHINSON_BAD + [({'hessian_power': 1.5}, ValueError, 'hessian_power')],
        ),
        Case({'weight_decay': 0.1, 'weight_decouple': False, 'hessian_power': 0.5, 'num_samples': 2}),
        Case({'update_period': 2, 'hessian_distribution': 'gaussian', 'adam_debias': True, 'weight_decay': 0.01}),
    ],
    'sophiah': [
        Case({}, lr=1.0, steps=300, bad=HUTCHINSON_BAD + [({'p': 0.0}, ValueError, r'p.*0')]),
        Case(
            {'update_period': 1, 'weight_decay': 0.1, 'weight_decouple': False, 'hessian_distribution': 'rademacher'}
        ),
        Case({'update_period': 3, 'num_samples': 2, 'fixed_decay': True, 'weight_decay': 0.01}),
    ],
    'shampoo': [
        Case(
            {},
            lr=0.3,
            steps=300,
            bad=[({'preconditioning_compute_steps': 0}, ValueError, 'preconditioning_compute_steps')],
        ),
        Case({'momentum': 0.9, 'weight_decay': 0.1, 'preconditioning_compute_steps': 2}),
        Case({'weight_decay': 0.1, 'weight_decouple': True, 'matrix_eps': 1e-3}),
    ],
    'scalableshampoo': [
        Case({}, lr=0.03, lrs={'rosenbrock': 1e-3, 'logistic': 0.3}, steps=300, bad=SHAMPOO_BAD),
        # small blocks and early preconditioning so the contract shapes exercise blocking and the roots
        Case(
            {
                'start_preconditioning_step': 1,
                'preconditioning_compute_steps': 2,
                'block_size': 3,
                'graft_type': 'adagrad',
            }
        ),
        Case(
            {
                'start_preconditioning_step': 3,
                'preconditioning_compute_steps': 1,
                'statistics_compute_steps': 2,
                'block_size': 4,
                'shape_interpretation': False,
                'graft_type': 'rmsprop',
                'pre_conditioner_type': 'input',
                'nesterov': False,
                'moving_average_for_momentum': True,
                'weight_decay': 0.1,
            }
        ),
        Case(
            {
                'start_preconditioning_step': 2,
                'preconditioning_compute_steps': 3,
                'block_size': 5,
                'graft_type': 'sqrt_n',
                'pre_conditioner_type': 'output',
                'decoupled_weight_decay': True,
                'decoupled_learning_rate': False,
                'weight_decay': 0.1,
                'use_svd': True,
                'inverse_exponent_override': 4,
                'betas': (0.9, 1.0),
            }
        ),
        Case({'start_preconditioning_step': 1, 'graft_type': 'none', 'no_preconditioning_for_layers_with_dim_gt': 4}),
    ],
    'newton': [
        Case({}, lr=1.0, steps=30, skip=NOT_P_GRAD, bad=NEWTON_BAD),
        Case({'damping': 0.5, 'eigval_fn': 'abs', 'eigval_min': 1e-3}, skip=NOT_P_GRAD),
        Case({'eigval_fn': 'clip'}, skip=NOT_P_GRAD),
    ],
    'newtonfdm': [
        # FD Newton is exact only up to O(h^2); the Rosenbrock run is shorter but converges the same way
        Case({'h': 1e-4}, lr=1.0, steps=30, skip=FD_SKIP, bad=NEWTON_BAD),
    ],
    'levenbergmarquardt': [
        Case(
            {},
            lr=1.0,
            steps=30,
            skip=NOT_P_GRAD,
            bad=[({'nminus': 0.0}, ValueError, 'nminus'), ({'y': 2.0}, ValueError, r'y.*2')],
        ),
        Case({'y': 1.0, 'adaptive': True, 'init': 0.1, 'eta': 0.1}, skip=NOT_P_GRAD),
    ],
    'subspacenewton': [
        Case(
            {'sketch_size': 4},
            lr=1.0,
            steps=60,
            skip=NOT_P_GRAD,
            bad=[({'sketch_type': 'svd'}, ValueError, 'sketch_type')],
        ),
        Case({'sketch_size': 5, 'sketch_type': 'orthonormal', 'damping': 0.1}, skip=NOT_P_GRAD),
        Case({'sketch_size': 5, 'sketch_type': 'rademacher', 'eigval_fn': 'abs'}, skip=NOT_P_GRAD),
        Case({'sketch_size': 3, 'sketch_type': 'rows'}, skip=NOT_P_GRAD),
        Case({'sketch_size': 3, 'sketch_type': 'topk', 'eigval_fn': 'clip'}, skip=NOT_P_GRAD),
    ],
}
