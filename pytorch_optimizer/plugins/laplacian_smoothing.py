"""Laplacian smoothing of gradients (LSGD), solved with the FFT.

Reference: Osher et al., "Laplacian Smoothing Gradient Descent", Research in the Mathematical
Sciences 2022. https://arxiv.org/abs/1806.06317
"""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.optim import Optimizer
from torch.utils.hooks import RemovableHandle

from pytorch_optimizer.base.plugin import attach_grad_transform
from pytorch_optimizer.base.validation import check_bool, check_non_negative, check_positive_int


def laplacian_denominator(n: int, sigma: float, dtype: torch.dtype, device: torch.device) -> Tensor:
    r""":math:`1 + 4\sigma\sin^2(\pi k / n)`, :math:`k = 0..\lfloor n/2 \rfloor`: rfft bins of :math:`I - \sigma L`."""
    k = torch.arange(n // 2 + 1, dtype=torch.float64, device=device)
    return (1.0 + 4.0 * sigma * torch.sin(math.pi * k / n) ** 2).to(dtype)


def laplacian_smooth(v: Tensor, sigma: float, denominator: Tensor | None = None) -> Tensor:
    r"""Solve :math:`(I - \sigma L)u = v` for the flattened ``v`` (periodic 1-D Laplacian); ``u`` has ``v``'s shape.

    .. math::
        u = \mathcal{F}^{-1}\Big(\frac{\mathcal{F}(v)}{1 + 4\sigma\sin^2(\pi k/n)}\Big)

    The mean (:math:`k=0`) is preserved; :math:`\sigma = 0` is the identity. Complex ``v`` uses the full FFT.
    """
    flat = v.reshape(-1)
    n = flat.numel()
    if v.is_complex():
        k = torch.arange(n, dtype=torch.float64, device=v.device)
        den = (1.0 + 4.0 * sigma * torch.sin(math.pi * k / n) ** 2).to(flat.real.dtype)
        return torch.fft.ifft(torch.fft.fft(flat) / den).reshape(v.shape)
    if denominator is None:
        denominator = laplacian_denominator(n, sigma, flat.dtype, flat.device)
    return torch.fft.irfft(torch.fft.rfft(flat) / denominator, n=n).reshape(v.shape)


def laplacian_smoothing_(
    grads: list[Tensor], sigma: float = 1.0, layerwise: bool = True, min_numel: int = 4, cache: dict | None = None
) -> None:
    """Smooth ``grads`` in place: each tensor with more than ``min_numel`` elements (``layerwise``), or one
    solve over the concatenation of all of them. ``cache`` (a dict) keeps denominators between calls."""
    cache = {} if cache is None else cache

    def den(n: int, ref: Tensor) -> Tensor | None:
        if ref.is_complex():
            return None
        key = (n, sigma, ref.dtype, ref.device)
        if key not in cache:
            cache[key] = laplacian_denominator(n, sigma, ref.dtype, ref.device)
        return cache[key]

    if layerwise:
        for g in grads:
            if g.numel() > min_numel:
                g.copy_(laplacian_smooth(g, sigma, den(g.numel(), g)))
        return
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    smooth = laplacian_smooth(flat, sigma, den(flat.numel(), flat))
    torch._foreach_copy_(grads, [s.view_as(g) for s, g in zip(smooth.split([g.numel() for g in grads]), grads)])


def attach_laplacian_smoothing(
    optimizer: Optimizer, sigma: float = 1.0, layerwise: bool = True, min_numel: int = 4
) -> RemovableHandle:
    r"""Laplacian-smooth every gradient (in place on ``p.grad``) before each ``optimizer.step()`` (LSGD with SGD).

    Args:
        optimizer: any optimizer.
        sigma: :math:`\sigma \ge 0`, the smoothing strength.
        layerwise: one solve per tensor (else one over all gradients concatenated).
        min_numel: tensors with at most this many elements are left unchanged (layer-wise mode).
    """
    check_non_negative('attach_laplacian_smoothing', 'sigma', sigma)
    check_bool('attach_laplacian_smoothing', 'layerwise', layerwise)
    check_positive_int('attach_laplacian_smoothing', 'min_numel', min_numel, allow_zero=True)
    cache: dict = {}

    def transform(params: list[Tensor], grads: list[Tensor]) -> None:
        laplacian_smoothing_(grads, sigma, layerwise, min_numel, cache)

    return attach_grad_transform(optimizer, transform)
