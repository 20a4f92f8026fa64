import functools

import pytest
import torch

import pytorch_optimizer as po
from pytorch_optimizer.registry import Registry


def test_lookup_ignores_case_dashes_and_underscores():
    assert po.load_optimizer('AdaBelief') is po.AdaBelief
    assert po.load_optimizer('ada-belief') is po.AdaBelief
    assert po.load_optimizer('ADA_BELIEF') is po.AdaBelief


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamq'; did you mean .*'adamp'"):
        po.load_optimizer('adamq')
    with pytest.raises(ValueError, match='unknown lr_scheduler'):
        po.load_lr_scheduler('cosine_annealing_warmup_typo_xyz')
    with pytest.raises(TypeError):
        po.load_optimizer(3)


def test_variant_is_a_partial_with_bound_defaults():
    variant = po.load_optimizer('radabelief')
    assert isinstance(variant, functools.partial) and variant.func is po.AdaBelief
    opt = variant([torch.nn.Parameter(torch.zeros(1))], rectify=False)  # the caller can still override
    assert opt.defaults['rectify'] is False


def test_filters_are_fnmatch_patterns_and_sorted():
    names = po.get_supported_optimizers('*adam*')
    assert names == sorted(names) and 'adamp' in names and 'lion' not in names
    assert set(po.get_supported_optimizers(['lion', 'sgd'])) == {'lion', 'sgd'}
    assert 'cosine_annealing' in po.get_supported_lr_schedulers('*cos*')
    assert (
        po.get_supported_wrappers() == sorted(po.get_supported_wrappers())
        and 'lookahead' in po.get_supported_wrappers()
    )


def test_torch_optimizers_and_schedulers_are_registered():
    assert po.load_optimizer('adamw') is torch.optim.AdamW
    assert po.load_optimizer('lbfgs') is torch.optim.LBFGS
    assert po.load_lr_scheduler('one_cycle') is torch.optim.lr_scheduler.OneCycleLR
    assert po.load_lr_scheduler('reduce_on_plateau') is torch.optim.lr_scheduler.ReduceLROnPlateau


def test_duplicate_registration_raises():
    registry = Registry('thing')
    registry.add('foo_bar', int)
    with pytest.raises(KeyError, match='already registered'):
        registry.add('FooBar', float)


def test_every_zoo_class_is_exported_by_name():
    for key in po.get_supported_optimizers():
        entry = po.OPTIMIZERS.entry(key)
        if not entry.external:
            assert getattr(po, entry.cls.__name__) is entry.cls
