import functools
import sys
from pathlib import Path

import torch

import pytorch_optimizer as po

REPO = str(Path(__file__).resolve().parents[1])
sys.path.insert(0, REPO)


def test_hub_returns_the_class_by_key_and_by_class_name():
    assert torch.hub.load(REPO, 'adamp', source='local') is po.AdamP
    assert torch.hub.load(REPO, 'AdaBelief', source='local') is po.AdaBelief
    assert torch.hub.load(REPO, 'cosine_annealing', source='local') is torch.optim.lr_scheduler.CosineAnnealingLR


def test_hub_binds_keyword_arguments_and_lists_every_entry():
    bound = torch.hub.load(REPO, 'lion', source='local', weight_decay=0.1)
    assert isinstance(bound, functools.partial) and bound.keywords == {'weight_decay': 0.1}
    import hubconf

    entries = {name for name in dir(hubconf) if callable(getattr(hubconf, name)) and not name.startswith('_')}
    assert set(po.get_supported_optimizers()) <= entries and set(po.get_supported_lr_schedulers()) <= entries
