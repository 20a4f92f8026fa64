"""create_optimizer and weight-decay parameter groups."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from typing import Any

from torch import nn
from torch.optim import Optimizer

from pytorch_optimizer.base.validation import check_non_negative
from pytorch_optimizer.plugins.agc import attach_agc
from pytorch_optimizer.plugins.clip_grad_norm import attach_clip_grad_norm
from pytorch_optimizer.plugins.gc import attach_gc
from pytorch_optimizer.plugins.laplacian_smoothing import attach_laplacian_smoothing
from pytorch_optimizer.plugins.norm_loss import attach_norm_loss
from pytorch_optimizer.plugins.normalize_gradient import attach_normalize_gradient
from pytorch_optimizer.plugins.orthograd import attach_orthograd
from pytorch_optimizer.plugins.stable_weight_decay import attach_stable_weight_decay
from pytorch_optimizer.plugins.unit_norm import attach_unit_norm
from pytorch_optimizer.registry import OPTIMIZERS
from pytorch_optimizer.wrappers.lookahead import Lookahead

DEFAULT_WD_BAN_LIST = ('bias', 'LayerNorm.bias', 'LayerNorm.weight')
NORM_LAYERS = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm, nn.RMSNorm)
LOOKAHEAD_KEYS = ('k', 'alpha', 'pullback_momentum')
PLUGINS = {
    'agc': attach_agc,
    'clip_grad_norm': attach_clip_grad_norm,
    'gc': attach_gc,
    'laplacian_smoothing': attach_laplacian_smoothing,
    'norm_loss': attach_norm_loss,
    'normalize_gradient': attach_normalize_gradient,
    'orthograd': attach_orthograd,
    'stable_weight_decay': attach_stable_weight_decay,
    'unit_norm': attach_unit_norm,
}


def _no_decay_names(model: nn.Module, wd_ban_list: Iterable[str]) -> set[str]:
    names = set(model.no_weight_decay()) if hasattr(model, 'no_weight_decay') else set()
    for module_name, module in model.named_modules():
        for param_name, param in module.named_parameters(recurse=False):
            full = f'{module_name}.{param_name}' if module_name else param_name
            if isinstance(module, NORM_LAYERS) or param.dim() <= 1 or any(ban in full for ban in wd_ban_list):
                names.add(full)
    return names


def get_optimizer_parameters(
    model_or_parameter: nn.Module | Iterable[Any],
    weight_decay: float,
    wd_ban_list: Iterable[str] = DEFAULT_WD_BAN_LIST,
) -> list[dict[str, Any]]:
    """Split parameters into a decayed group and a group with ``weight_decay=0``.

    Not decayed: biases and other 0-/1-d parameters, parameters of normalization layers, names that
    contain an entry of ``wd_ban_list``, and names returned by ``model.no_weight_decay()``.

    Args:
        model_or_parameter: a module, or an iterable of ``(name, parameter)`` pairs or parameters
            (without names only the dimension rule applies).
        weight_decay: decay of the first group.
        wd_ban_list: name fragments that exclude a parameter from decay.
    """
    check_non_negative('get_optimizer_parameters', 'weight_decay', weight_decay)
    wd_ban_list = tuple(wd_ban_list)
    if isinstance(model_or_parameter, nn.Module):
        no_decay = _no_decay_names(model_or_parameter, wd_ban_list)
        named = list(model_or_parameter.named_parameters())
    else:
        items = list(model_or_parameter)
        named = [item if isinstance(item, tuple) else (None, item) for item in items]
        no_decay = {n for n, p in named if n is not None and any(ban in n for ban in wd_ban_list)}
    decay, skip = [], []
    for name, param in named:
        if not param.requires_grad:
            continue
        (skip if name in no_decay or param.dim() <= 1 else decay).append(param)
    groups = [{'params': decay, 'weight_decay': weight_decay}, {'params': skip, 'weight_decay': 0.0}]
    return [g for g in groups if g['params']]


def accepted_kwargs(factory: Any) -> dict[str, inspect.Parameter]:
    """Keyword arguments a class (or variant partial) accepts, ``params`` excluded."""
    return {k: v for k, v in inspect.signature(factory).parameters.items() if k not in ('self', 'params')}


def create_optimizer(
    model: nn.Module,
    optimizer_name: str,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    wd_ban_list: Iterable[str] = DEFAULT_WD_BAN_LIST,
    use_gc: bool = False,
    use_agc: bool = False,
    use_lookahead: bool = False,
    plugins: Sequence[str | tuple[str, dict[str, Any]]] = (),
    **kwargs: Any,
) -> Optimizer:
    """Build a registered optimizer for ``model``, with weight-decay groups and plug-ins.

    Args:
        model: the module to optimize (passed to optimizers that declare ``needs_model``).
        optimizer_name: a registry key (case, ``-`` and ``_`` ignored).
        lr: learning rate.
        weight_decay: decay of the decayed group (see :func:`get_optimizer_parameters`).
        wd_ban_list: name fragments excluded from decay.
        use_gc: attach gradient centralization (runs after AGC).
        use_agc: attach adaptive gradient clipping (runs first).
        use_lookahead: wrap in :class:`Lookahead`; ``k``, ``alpha`` and ``pullback_momentum`` in
            ``kwargs`` go to it unless the optimizer itself takes them.
        plugins: further gradient plug-ins by name (keys of ``PLUGINS``: ``'clip_grad_norm'``,
            ``'orthograd'``, ...), each a name or ``(name, kwargs)`` (lists from a config work too);
            they run after AGC and GC, in the order given.
        kwargs: further keyword arguments of the optimizer; an unknown one raises ``TypeError``
            listing the accepted names.
    """
    factory = OPTIMIZERS.load(optimizer_name)
    cls = OPTIMIZERS.entry(optimizer_name).cls
    accepted = accepted_kwargs(factory)
    lookahead_kwargs = {}
    if use_lookahead:
        lookahead_kwargs = {k: kwargs.pop(k) for k in LOOKAHEAD_KEYS if k in kwargs and k not in accepted}
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(
            f'create_optimizer: {cls.__name__} got unexpected keyword argument(s) {unknown}; '
            f'accepted: {sorted(k for k in accepted if k != "model")}'
        )
    if weight_decay and 'weight_decay' not in accepted:
        raise TypeError(f'create_optimizer: {cls.__name__} takes no weight_decay, got {weight_decay}')
    if weight_decay:
        params: Any = get_optimizer_parameters(model, weight_decay, wd_ban_list)
        kwargs['weight_decay'] = weight_decay
    else:
        params = [p for p in model.parameters() if p.requires_grad]
    if 'lr' in accepted:
        kwargs['lr'] = lr
    if getattr(cls, 'needs_model', False):
        kwargs['model'] = model
    optimizer = factory(params, **kwargs)
    if use_agc:
        attach_agc(optimizer)
    if use_gc:
        attach_gc(optimizer)
    for plugin in plugins:
        name, options = (plugin, {}) if isinstance(plugin, str) else (plugin[0], dict(plugin[1]))
        if name not in PLUGINS:
            raise ValueError(f'create_optimizer: unknown plug-in {name!r}; choose from {sorted(PLUGINS)}')
        PLUGINS[name](optimizer, **options)
    if use_lookahead:
        optimizer = Lookahead(optimizer, **lookahead_kwargs)
    return optimizer
