"""NevergradOptimizer: ask/tell over all parameter groups, parameters left at the recommendation."""

import copy
import pickle
import sys

import pytest
import torch

from pytorch_optimizer import NoClosureError
from pytorch_optimizer.integrations.nevergrad import NevergradOptimizer, import_nevergrad

SKIP_REASON = 'the nevergrad extra is not installed: pip install "pytorch_optimizer[nevergrad]"'


def test_missing_nevergrad_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, 'nevergrad', None)
    with pytest.raises(ImportError, match=r'NevergradOptimizer needs nevergrad: pip install'):
        import_nevergrad('NevergradOptimizer')
    with pytest.raises(ImportError, match=r'pytorch_optimizer\[nevergrad\]'):
        NevergradOptimizer([torch.nn.Parameter(torch.zeros(1))], 'OnePlusOne')


def problem():
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(3, dtype=torch.float64))
    b = torch.nn.Parameter(torch.randn(2, 2))

    def closure(backward=True):
        if backward:
            raise AssertionError('nevergrad must not ask for gradients')
        return (w - 1).square().sum() + (b - 0.5).square().sum()

    return w, b, closure


def test_improves_loss_and_leaves_parameters_at_recommendation():
    ng = pytest.importorskip('nevergrad', reason=SKIP_REASON)
    w, b, closure = problem()
    start = float(closure(False).detach())
    opt = NevergradOptimizer([{'params': [w]}, {'params': [b], 'lb': -1.0, 'ub': 1.0}], ng.optimizers.OnePlusOne, 150)
    for _ in range(150):
        opt.step(closure)
    assert float(closure(False).detach()) < 0.05 * start
    recommendation = opt.nevergrad_optimizer.provide_recommendation().value
    torch.testing.assert_close(w.detach(), torch.as_tensor(recommendation[0]))
    torch.testing.assert_close(b.detach(), torch.as_tensor(recommendation[1], dtype=torch.float32))
    assert b.abs().max() <= 1.0 and opt.state['nevergrad']['step'] == 150
    clone = copy.deepcopy(opt)
    clone.step(closure)
    pickle.loads(pickle.dumps(opt))
    assert opt.state_dict()['state'] == {'nevergrad': {'step': 150}}


def test_optimizer_by_name_and_errors():
    pytest.importorskip('nevergrad', reason=SKIP_REASON)
    w, b, closure = problem()
    opt = NevergradOptimizer([w, b], 'NGOpt', budget=20)
    losses = [float(opt.step(closure)) for _ in range(20)]
    assert all(torch.isfinite(torch.tensor(losses)))
    recommendation = opt.nevergrad_optimizer.provide_recommendation().value
    torch.testing.assert_close(w.detach(), torch.as_tensor(recommendation[0]))
    with pytest.raises(NoClosureError, match='NevergradOptimizer requires a closure'):
        opt.step()
    with pytest.raises(ValueError, match="unknown nevergrad optimizer 'NoSuchOpt'"):
        NevergradOptimizer([w], 'NoSuchOpt')
    with pytest.raises(ValueError, match='NevergradOptimizer: budget must be > 0'):
        NevergradOptimizer([w], 'OnePlusOne', budget=0)


def test_state_dict_loads_with_weights_only():
    import io

    ng = pytest.importorskip('nevergrad', reason=SKIP_REASON)
    w, b, closure = problem()
    opt = NevergradOptimizer([w, b], ng.optimizers.OnePlusOne, budget=10)
    opt.step(closure)
    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    buffer.seek(0)
    fresh = NevergradOptimizer([w, b], ng.optimizers.OnePlusOne, budget=10)
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert fresh.state['nevergrad'] == {'step': 1}
