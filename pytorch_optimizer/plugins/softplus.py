"""Softplus transformation of an adaptive denominator (replaces :math:`\\sqrt{v} + \\epsilon`).

Reference: Tong et al., "Calibrating the Adaptive Learning Rate to Improve Convergence of ADAM",
Neurocomputing 2022. https://arxiv.org/abs/1908.00700
"""

from __future__ import annotations

import torch
from torch import Tensor

from pytorch_optimizer.base.validation import check_positive


def softplus_(denominators: list[Tensor], beta: float = 50.0, threshold: float = 20.0) -> list[Tensor]:
    r"""In place: :math:`d \leftarrow \frac{1}{\beta}\log(1 + e^{\beta d})` (linear above ``threshold``).

    An in-math switch, not a gradient pre-hook: an optimizer calls it on :math:`\sqrt{\hat v}` instead
    of adding :math:`\epsilon`; its floor :math:`\log 2/\beta` bounds the per-coordinate step size
    (Ranger21's ``use_softplus``, ``beta_softplus``). Returns ``denominators``.
    """
    check_positive('softplus_', 'beta', beta)
    for d in denominators:
        d.copy_(torch.nn.functional.softplus(d, beta=beta, threshold=threshold))
    return denominators
