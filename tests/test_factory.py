import pytest
import torch
from torch import nn

import pytorch_optimizer as po


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.norm = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 3)
        self.ln = nn.LayerNorm(3)
        self.embedding = nn.Parameter(torch.zeros(5, 3))

    def no_weight_decay(self):
        return {'embedding'}

    def forward(self, x):
        x = self.norm(self.conv(x)).mean(dim=(2, 3))
        return self.ln(self.fc(x)).sum() + self.embedding.sum()


def _names(model, group):
    ids = {id(p) for p in group['params']}
    return {n for n, p in model.named_parameters() if id(p) in ids}


def test_weight_decay_groups_exclude_biases_norms_and_no_weight_decay():
    model = Net()
    decay, no_decay = po.get_optimizer_parameters(model, 1e-2)
    assert decay['weight_decay'] == 1e-2 and no_decay['weight_decay'] == 0.0
    assert _names(model, decay) == {'conv.weight', 'fc.weight'}
    assert _names(model, no_decay) == {
        'conv.bias',
        'norm.weight',
        'norm.bias',
        'fc.bias',
        'ln.weight',
        'ln.bias',
        'embedding',
    }


def test_create_optimizer_builds_groups_plugins_and_lookahead():
    model = Net()
    opt = po.create_optimizer(
        model, 'AdamP', lr=3e-3, weight_decay=1e-2, use_gc=True, use_agc=True, use_lookahead=True, k=3
    )
    assert isinstance(opt, po.Lookahead) and isinstance(opt.optimizer, po.AdamP)
    assert opt.defaults['k'] == 3 and opt.param_groups[0]['lr'] == 3e-3
    assert len(opt.optimizer._optimizer_step_pre_hooks) == 2
    model(torch.randn(2, 2, 6, 6)).backward()
    opt.step()


def test_create_optimizer_rejects_unknown_kwargs_listing_accepted_ones():
    with pytest.raises(
        TypeError, match=r"AdamP got unexpected keyword argument\(s\) \['betaz'\]; accepted: .*'betas'"
    ):
        po.create_optimizer(Net(), 'adamp', betaz=(0.9, 0.99))


def test_create_optimizer_from_a_yaml_like_config():
    config = {'optimizer_name': 'adabelief', 'lr': 1e-3, 'weight_decay': 0.01, 'betas': [0.9, 0.99], 'rectify': True}
    opt = po.create_optimizer(Net(), **config)
    assert opt.defaults['betas'] == (0.9, 0.99) and opt.defaults['rectify'] is True
    with pytest.raises(TypeError, match=r"AdaBelief: lr must be a real number, got '1e-3'"):
        po.create_optimizer(Net(), **{**config, 'lr': '1e-3'})


def test_create_optimizer_works_with_torch_optimizers():
    opt = po.create_optimizer(Net(), 'adamw', lr=1e-3, weight_decay=0.1, use_gc=True)
    assert isinstance(opt, torch.optim.AdamW) and [g['weight_decay'] for g in opt.param_groups] == [0.1, 0.0]
