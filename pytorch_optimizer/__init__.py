"""pytorch_optimizer: a registry-based zoo of PyTorch optimizers, LR schedulers and plug-ins.

Importing the package registers every optimizer, scheduler and wrapper; every registered class is
also exported here by its class name (``from pytorch_optimizer import AdamP``).
"""

from __future__ import annotations

import importlib
import pkgutil

from pytorch_optimizer.base.exceptions import (
    MissingGraphError,
    NoClosureError,
    NoComplexParameterError,
    NoSparseGradientError,
    ZeroParameterSizeError,
)
from pytorch_optimizer.base.optimizer import BaseOptimizer
from pytorch_optimizer.base.wrapper import BaseWrapper
from pytorch_optimizer.factory import create_optimizer, get_optimizer_parameters
from pytorch_optimizer.plugins.agc import agc, attach_agc, unit_norm
from pytorch_optimizer.plugins.clip_grad_norm import attach_clip_grad_norm, clip_grad_norm
from pytorch_optimizer.plugins.gc import attach_gc, centralize_gradient
from pytorch_optimizer.plugins.laplacian_smoothing import attach_laplacian_smoothing, laplacian_smooth
from pytorch_optimizer.plugins.norm_loss import attach_norm_loss
from pytorch_optimizer.plugins.normalize_gradient import attach_normalize_gradient, normalize_gradient
from pytorch_optimizer.plugins.orthograd import attach_orthograd
from pytorch_optimizer.plugins.softplus import softplus_
from pytorch_optimizer.plugins.stable_weight_decay import attach_stable_weight_decay
from pytorch_optimizer.plugins.unit_norm import attach_unit_norm
from pytorch_optimizer.registry import (
    LR_SCHEDULERS,
    OPTIMIZERS,
    WRAPPERS,
    get_supported_lr_schedulers,
    get_supported_optimizers,
    get_supported_wrappers,
    load_lr_scheduler,
    load_optimizer,
    load_wrapper,
    register_lr_scheduler,
    register_optimizer,
    register_wrapper,
)

__version__ = '0.1.0'

for _package in ('optimizer', 'wrappers', 'plugins', 'lr_scheduler'):
    _pkg = importlib.import_module(f'{__name__}.{_package}')
    for _module in pkgutil.iter_modules(_pkg.__path__):
        if not _module.name.startswith('_'):
            importlib.import_module(f'{_pkg.__name__}.{_module.name}')

from pytorch_optimizer.lr_finder import LRFinder, LRFinderResult, find_lr, suggest_lr  # noqa: E402
from pytorch_optimizer.lr_scheduler.chebyshev import get_chebyshev_schedule  # noqa: E402
from pytorch_optimizer.lr_scheduler.gen import ExactGen, make_gen_optimizer  # noqa: E402
from pytorch_optimizer.lr_scheduler.warmup_stable_decay import get_wsd_schedule  # noqa: E402
from pytorch_optimizer.wrappers.rotograd import RotoGrad  # noqa: E402
from pytorch_optimizer.wrappers.sam import disable_running_stats, enable_running_stats  # noqa: E402

__all__ = [
    'BaseOptimizer',
    'BaseWrapper',
    'ExactGen',
    'LRFinder',
    'LRFinderResult',
    'MissingGraphError',
    'NoClosureError',
    'NoComplexParameterError',
    'NoSparseGradientError',
    'RotoGrad',
    'ZeroParameterSizeError',
    'agc',
    'attach_agc',
    'attach_clip_grad_norm',
    'attach_gc',
    'attach_laplacian_smoothing',
    'attach_norm_loss',
    'attach_normalize_gradient',
    'attach_orthograd',
    'attach_stable_weight_decay',
    'attach_unit_norm',
    'centralize_gradient',
    'clip_grad_norm',
    'create_optimizer',
    'disable_running_stats',
    'enable_running_stats',
    'find_lr',
    'get_chebyshev_schedule',
    'get_optimizer_parameters',
    'get_supported_lr_schedulers',
    'get_supported_optimizers',
    'get_supported_wrappers',
    'get_wsd_schedule',
    'laplacian_smooth',
    'load_lr_scheduler',
    'load_optimizer',
    'load_wrapper',
    'make_gen_optimizer',
    'normalize_gradient',
    'register_lr_scheduler',
    'register_optimizer',
    'register_wrapper',
    'softplus_',
    'suggest_lr',
    'unit_norm',
]
for _registry in (OPTIMIZERS, LR_SCHEDULERS, WRAPPERS):
    for _entry in _registry.entries.values():
        if not _entry.external and _entry.cls.__name__ not in globals():
            globals()[_entry.cls.__name__] = _entry.cls
            __all__.append(_entry.cls.__name__)
