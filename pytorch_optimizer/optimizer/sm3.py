"""SM3: memory-efficient adaptive optimization with cover-set statistics.

Reference: Anil, Gupta, Koren & Singer, "Memory-Efficient Adaptive Optimization", NeurIPS 2019.
https://arxiv.org/abs/1901.11150
"""

from __future__ import annotations

import torch
from torch import Tensor

from pytorch_optimizer.base import functional as F
from pytorch_optimizer.base.functional import copy_
from pytorch_optimizer.base.optimizer import BaseOptimizer, Params
from pytorch_optimizer.base.validation import check_lr, check_non_negative, check_range
from pytorch_optimizer.registry import register_optimizer


def _accumulators(acc: Tensor, shape: torch.Size) -> list[Tensor]:
    """Views of the flat state: one vector per dimension, shaped to broadcast along that dimension (after a
    leading stack dimension for flat states stacked ``(n, sum(shape))``)."""
    if len(shape) <= 1:
        return [acc if acc.shape == shape else acc.view(shape)]
    lead, rank = acc.shape[:-1], len(shape)
    return [
        a.view(lead + (1,) * i + (n,) + (1,) * (rank - 1 - i))
        for i, (a, n) in enumerate(zip(acc.split_with_sizes(shape, dim=-1), shape))
    ]


def _minimum(accs: list[Tensor], out: Tensor | None = None) -> Tensor:
    """The smallest accumulator covering each coordinate."""
    low = accs[0]
    for a in accs[1:-1]:
        low = torch.minimum(low, a)
    return torch.minimum(low, accs[-1], out=out)


@register_optimizer
class SM3(BaseOptimizer):
    r"""SM3-II: AdaGrad-like steps from one accumulator per row, per column, ... (cover sets of each tensor).

    .. math::
        \nu_t(i) = \beta \min_{r \ni i} \mu_{t-1}(r) + (1-\beta) g_t(i)^2, \quad
        \mu_t(r) = \max\big(\beta\text{-kept}\ \mu_{t-1}(r), \max_{j \in r} \nu_t(j)\big), \\
        u_t = g_t / \sqrt{\nu_t + \epsilon}, \quad m_t = \mu_m m_{t-1} + (1-\mu_m) u_t, \quad
        \theta_t = \theta_{t-1} - \eta\, m_t

    where the cover sets :math:`r` of a tensor of shape :math:`(n_1, \dots, n_k)` are its slices along each
    dimension: state is :math:`\sum_i n_i` numbers (kept in one flat ``accumulator``) instead of
    :math:`\prod_i n_i`. With :math:`\beta = 0` this is the paper's SM3-II (:math:`\mu_t(r) = \max_{j\in r}\nu_t(j)`);
    with :math:`\beta > 0` the running max :math:`\mu_t(r) = \max(\mu_{t-1}(r), \max_{j\in r}\nu_t(j))` of the
    older library. Momentum (:math:`\mu_m > 0`) adds one buffer of the parameter's size.

    Args:
        params: parameters or parameter groups.
        lr: learning rate :math:`\eta`.
        momentum: :math:`\mu_m`.
        beta: :math:`\beta` (0: accumulate squared gradients as in AdaGrad).
        eps: :math:`\epsilon`.
        maximize: maximize the objective.
        foreach: batch tensors per (device, dtype); ``None`` picks per device.
    """

    supports_fsdp = False  # per-dimension accumulators would cover only the local shard (a silently wrong update)

    def __init__(
        self,
        params: Params,
        lr: float = 1e-1,
        momentum: float = 0.0,
        beta: float = 0.0,
        eps: float = 1e-30,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=check_lr(self, lr),
            momentum=check_range(self, 'momentum', momentum, 0.0, 1.0),
            beta=check_range(self, 'beta', beta, 0.0, 1.0),
            eps=check_non_negative(self, 'eps', eps),
            maximize=maximize,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    def state_keys_for(self, group: dict) -> tuple[str, ...]:
        return ('accumulator',) + (('momentum_buffer',) if group['momentum'] > 0.0 else ())

    def init_state(self, group, param, keys):
        state = {'accumulator': param.new_zeros(max(sum(param.shape), 1))} if 'accumulator' in keys else {}
        if 'momentum_buffer' in keys:
            state['momentum_buffer'] = torch.zeros_like(param)
        return state

    def _update(self, group, params, grads, accumulator, momentum_buffer=None):
        beta, momentum = group['beta'], group['momentum']
        ones = [i for i, g in enumerate(grads) if g.dim() <= 1]  # a single accumulator: foreach ops
        mats = [i for i, g in enumerate(grads) if g.dim() > 1]
        stacked = F.cuda_bucket(grads)
        if stacked:  # off CPU same-shaped matrices as stacks (nu as their views), copied back in one launch
            chunks = [[mats[c] for c in idx] for idx in F.shape_chunks([grads[i] for i in mats])]
            flats = [torch.stack([accumulator[i] for i in chunk]) for chunk in chunks]
            covers = [_accumulators(flat, grads[chunk[0]].shape) for flat, chunk in zip(flats, chunks)]
            lows, nus = [_minimum(accs) for accs in covers], [None] * len(grads)
            fresh = self.scratch([grads[i] for i in ones], 'nu')
            for idx, values in zip(chunks + [ones], [low.unbind() for low in lows] + [fresh]):
                for i, nu in zip(idx, values):
                    nus[i] = nu
        else:  # per tensor, into buffers reused between steps
            nus = self.scratch(grads, 'nu')
            covers = [_accumulators(accumulator[i], grads[i].shape) for i in mats]
            lows = [_minimum(accs, out=nus[i]) for accs, i in zip(covers, mats)]
        one_accs, one_nus = [_accumulators(accumulator[i], grads[i].shape)[0] for i in ones], [nus[i] for i in ones]
        copy_(one_nus, one_accs)
        if beta > 0.0:
            torch._foreach_mul_(nus, beta)
        torch._foreach_addcmul_(nus, grads, grads, value=1.0 - beta)
        if beta == 0.0:  # a single accumulator is nu itself, else it keeps its running max
            copy_(one_accs, one_nus)
        elif ones:
            torch._foreach_maximum_(one_accs, one_nus)
        for nu, accs in zip(lows, covers):  # each accumulator takes the largest nu it covers
            lead = nu.dim() - len(accs)  # 1 on a stack
            for i, a in enumerate(accs):
                dims = [j for j in range(lead, nu.dim()) if j != lead + i]
                if beta > 0.0:
                    torch.maximum(a, nu.amax(dim=dims, keepdim=True), out=a)
                else:
                    torch.amax(nu, dim=dims, keepdim=True, out=a)
        if stacked:
            copy_([accumulator[i] for chunk in chunks for i in chunk], [r for flat in flats for r in flat.unbind()])
        torch._foreach_add_(nus, group['eps'])
        torch._foreach_rsqrt_(nus)  # the update g / sqrt(nu + eps) is g * rsqrt(nu + eps)
        if momentum > 0.0:
            torch._foreach_mul_(momentum_buffer, momentum)
            torch._foreach_addcmul_(momentum_buffer, grads, nus, value=1.0 - momentum)
            torch._foreach_add_(params, momentum_buffer, alpha=-group['lr'])
        else:
            torch._foreach_addcmul_(params, grads, nus, value=-group['lr'])
