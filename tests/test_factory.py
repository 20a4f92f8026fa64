import copy

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


PLUGIN_OPTIONS = {
    'agc': {'agc_clip_val': 0.05},
    'clip_grad_norm': {'max_norm': 0.1},
    'gc': {},
    'laplacian_smoothing': {'sigma': 0.5},
    'norm_loss': {'factor': 1e-2},
    'normalize_gradient': {},
    'orthograd': {},
    'stable_weight_decay': {'weight_decay': 0.1},
    'unit_norm': {},
}


@pytest.mark.parametrize('name', sorted(PLUGIN_OPTIONS))
def test_every_plugin_attaches_through_create_optimizer(name):
    """create_optimizer(plugins=[(name, options)]) == attaching the plug-in to the same optimizer by hand."""
    from pytorch_optimizer.factory import PLUGINS

    assert set(PLUGINS) == set(PLUGIN_OPTIONS)
    torch.manual_seed(0)
    model_a = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    model_b = copy.deepcopy(model_a)
    opt_a = po.create_optimizer(model_a, 'adamw', lr=1e-2, plugins=[[name, PLUGIN_OPTIONS[name]]])  # config lists
    opt_b = torch.optim.AdamW(list(model_b.parameters()), lr=1e-2)
    PLUGINS[name](opt_b, **PLUGIN_OPTIONS[name])
    x = torch.randn(8, 4, dtype=torch.float64)
    for _ in range(3):
        for model, opt in ((model_a, opt_a), (model_b, opt_b)):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)
    untouched = copy.deepcopy(model_a)
    plain = torch.optim.AdamW(untouched.parameters(), lr=1e-2)
    for _ in range(3):
        plain.zero_grad()
        untouched(x).pow(2).mean().backward()
        plain.step()
    assert any(not torch.equal(a, b) for a, b in zip(model_a.parameters(), untouched.parameters()))


def test_unknown_plugin_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown plug-in 'gcc'"):
        po.create_optimizer(Net(), 'adamw', plugins=['gcc'])
