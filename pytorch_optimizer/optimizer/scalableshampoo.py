"""Scalable Shampoo: blocked Kronecker-factored preconditioning with layer-wise grafting.

Reference: Anil, Gupta, Koren, Regan & Singer, "Scalable Second Order Optimization for Deep Learning",
arXiv 2020. https://arxiv.org/abs/2002.09018 (code: google-research/google-research ``scalable_shampoo``)
"""

from __future__ import annotations

from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import (
    check_betas,
    check_bool,
    check_choice,
    check_lr,
    check_non_negative,
    check_positive_int,
)
from pytorch_optimizer.optimizer._shampoo_grafting import momentum_step
from pytorch_optimizer.optimizer._shampoo_preconditioner import (
    GRAFTS,
    PRECONDITIONERS,
    factor_sizes,
    identity_factors,
    layout,
    legacy_choice,
    merge_small_dims,
    shampoo_directions,
)
from pytorch_optimizer.registry import register_optimizer

__all__ = ['GRAFTS', 'PRECONDITIONERS', 'ScalableShampoo', 'factor_sizes', 'layout', 'merge_small_dims']


@register_optimizer
class ScalableShampoo(BaseOptimizer):
    r"""Shampoo on blocks of at most ``block_size`` per dimension, grafted to a simple optimizer's step norm.

    Each tensor is reshaped (small dimensions merged) and cut into blocks; every block :math:`B` keeps one
    statistic per preconditioned dimension, :math:`L^i \leftarrow \beta_2 L^i + (1-\beta_2) B^{(i)} B^{(i)\top}`
    (a plain sum when :math:`\beta_2 = 1`), with roots :math:`P^i = (L^i + \epsilon\lambda_{max} I)^{-1/e}`,
    :math:`e = 2\,\#\text{dims}` (float64 ``eigh`` or SVD; never NaN). From ``start_preconditioning_step`` on,
    the direction is :math:`S = B \times_i P^i` rescaled to the norm of the graft direction :math:`D`, else
    :math:`D` itself:

    .. math::
        u_t = S \frac{\lVert D \rVert}{\lVert S \rVert} + \lambda\theta, \quad
        m_t = \beta_1 m_{t-1} + w u_t, \quad
        \theta_t = \theta_{t-1} - \eta\,(\beta_1 m_t + w u_t \ \text{(nesterov)}\ \text{or}\ m_t)

    with :math:`w = 1-\beta_1` (``moving_average_for_momentum``) or 1. One momentum buffer follows the chosen
    direction (the reference keeps a second one for the graft); roots are computed at the start step instead of
    staying the identity until the first multiple of ``preconditioning_compute_steps``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`, momentum and statistics decay (:math:`\beta_2 = 1` sums).
        moving_average_for_momentum: :math:`w = 1 - \beta_1`.
        weight_decay: weight decay coefficient :math:`\lambda`.
        decoupled_weight_decay: :math:`\theta \leftarrow \theta(1 - \eta\lambda)` (else add :math:`\lambda\theta`).
        decoupled_learning_rate: momentum of unscaled steps (else of :math:`\eta u_t`, so lr changes act gradually).
        inverse_exponent_override: :math:`e` if > 0.
        start_preconditioning_step: first step that uses the Shampoo direction.
        preconditioning_compute_steps: steps between root recomputations.
        statistics_compute_steps: steps between statistics updates.
        block_size: maximal block side.
        skip_preconditioning_rank_lt: no preconditioner below this rank.
        no_preconditioning_for_layers_with_dim_gt: no preconditioner if a dimension is larger.
        shape_interpretation: merge small dimensions first.
        graft_type: ``'none'``, ``'sgd'``, ``'adagrad'``, ``'rmsprop'``, ``'sqrt_n'`` (or the older enum value 0-4).
        pre_conditioner_type: ``'all'``, ``'input'`` (all but the last dim), ``'output'`` (or 0-2).
        nesterov: Nesterov momentum.
        diagonal_eps: :math:`\epsilon` of the AdaGrad/RMSProp graft.
        matrix_eps: relative ridge :math:`\epsilon` of the roots.
        use_svd: roots by SVD instead of ``eigh``.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    state_keys = ('momentum', 'statistics', 'preconditioners')
    supports_fsdp = False  # matrix preconditioners are built over whole tensors, not shards

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        moving_average_for_momentum: bool = False,
        decoupled_weight_decay: bool = False,
        decoupled_learning_rate: bool = True,
        inverse_exponent_override: int = 0,
        start_preconditioning_step: int = 25,
        preconditioning_compute_steps: int = 1000,
        statistics_compute_steps: int = 1,
        block_size: int = 512,
        skip_preconditioning_rank_lt: int = 1,
        no_preconditioning_for_layers_with_dim_gt: int = 8192,
        shape_interpretation: bool = True,
        graft_type: str | int = 'sgd',
        pre_conditioner_type: str | int = 'all',
        nesterov: bool = True,
        diagonal_eps: float = 1e-10,
        matrix_eps: float = 1e-6,
        use_svd: bool = False,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        graft_type = legacy_choice(graft_type, GRAFTS)
        pre_conditioner_type = legacy_choice(pre_conditioner_type, PRECONDITIONERS)
        values = locals()
        ints = ('start_preconditioning_step', 'preconditioning_compute_steps', 'statistics_compute_steps')
        ints += ('block_size', 'no_preconditioning_for_layers_with_dim_gt')
        defaults = {k: check_positive_int(self, k, values[k]) for k in ints}
        for k in ('inverse_exponent_override', 'skip_preconditioning_rank_lt'):
            defaults[k] = check_positive_int(self, k, values[k], allow_zero=True)
        flags = ('moving_average_for_momentum', 'decoupled_weight_decay', 'decoupled_learning_rate')
        flags += ('shape_interpretation', 'nesterov', 'use_svd')
        defaults.update({k: check_bool(self, k, values[k]) for k in flags})
        for k in ('weight_decay', 'diagonal_eps', 'matrix_eps'):
            defaults[k] = check_non_negative(self, k, values[k])
        defaults.update(
            lr=check_lr(self, lr),
            betas=check_betas(self, betas, allow_one=(1,)),
            graft_type=check_choice(self, 'graft_type', graft_type, GRAFTS),
            pre_conditioner_type=check_choice(self, 'pre_conditioner_type', pre_conditioner_type, PRECONDITIONERS),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return self.state_keys + (('graft_statistics',) if group['graft_type'] in ('adagrad', 'rmsprop') else ())

    def init_state(self, group, param, keys):
        state = super().init_state(group, param, tuple(k for k in keys if k in ('momentum', 'graft_statistics')))
        eyes = identity_factors(param, group)
        if 'statistics' in keys:
            state['statistics'] = eyes * group['matrix_eps']
        if 'preconditioners' in keys:
            state['preconditioners'] = eyes.clone()
        return state

    def _update(self, group, params, grads, momentum, statistics, preconditioners, graft_statistics=None):
        directions = shampoo_directions(group, grads, statistics, preconditioners, graft_statistics)
        momentum_step(group, params, momentum, directions)
