import json
import pathlib

import pytest
import torch
from torch.optim.lr_scheduler import LRScheduler

from pytorch_optimizer import get_supported_lr_schedulers, load_lr_scheduler
from pytorch_optimizer.registry import LR_SCHEDULERS
from tests.lr_scheduler.helpers import lr_sequence

# the zoo's own schedulers from issue 7, with a config (as it would come from JSON/YAML) for each
CONFIGS = {
    'cosine_annealing_with_warmup': {'first_cycle_steps': 10, 'max_lr': [0.1, 0.2], 'warmup_steps': 2},
    'linear': {'t_max': 10, 'max_lr': 0.1, 'warmup_steps': 2},
    'cosine': {'t_max': 10, 'max_lr': [0.1, 0.05]},
    'poly': {'t_max': 10, 'max_lr': 0.1, 'poly_order': 2.0},
    'untuned_linear_warmup': {},
    'untuned_exponential_warmup': {'beta2': 0.99},
    'warmup_stable_decay': {'num_warmup_steps': 2, 'num_stable_steps': 3, 'num_decay_steps': 4},
    'chebyshev': {'num_epochs': 8},
    'explore_exploit': {'total_steps': 10, 'explore_steps': 4},
    'rex': {'total_steps': 10, 'max_lr': 0.1},
}


def test_filters_and_loading():
    cos = get_supported_lr_schedulers('*cos*')
    assert {'cosine', 'cosine_annealing', 'cosine_annealing_with_warmup', 'cosine_annealing_with_warm_restart'} <= set(
        cos
    )
    assert all('cos' in name for name in cos)
    assert load_lr_scheduler('chebyshev').__name__ == 'ChebyshevScheduler'
    assert load_lr_scheduler('Warmup-Stable-Decay') is load_lr_scheduler('warmup_stable_decay')


@pytest.mark.parametrize('key', [*CONFIGS, 'proportion'])
def test_registered_with_a_test_file(key):
    assert key in LR_SCHEDULERS.entries
    assert (pathlib.Path(__file__).parent / f'test_{key}.py').exists()


@pytest.mark.parametrize('key', list(CONFIGS))
def test_from_a_json_config(key):
    cfg = json.loads(json.dumps(CONFIGS[key]))
    groups = [{'params': [torch.nn.Parameter(torch.zeros(1))], 'lr': lr} for lr in (0.1, 0.2)]
    optimizer = torch.optim.AdamW(groups)
    scheduler = load_lr_scheduler(key)(optimizer, **cfg)
    assert isinstance(scheduler, LRScheduler)
    lrs = lr_sequence(scheduler, 12)
    assert all(lr >= 0.0 for row in lrs for lr in row)
    with pytest.raises(TypeError):
        load_lr_scheduler(key)(optimizer, **cfg, not_an_option=1)
