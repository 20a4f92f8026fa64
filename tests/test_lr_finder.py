import math

import pytest
import torch
from torch import nn

from pytorch_optimizer.lr_finder import LRFinder, find_lr, run_lr_find, run_lr_find_cli, suggest_lr
from pytorch_optimizer.tasks import TeacherStudent, train


@pytest.fixture(autouse=True)
def one_thread():
    # tiny models: one intra-op thread is faster and immune to an oversubscribed machine
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def regression(seed=0, n=256):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=gen)
    y = x @ torch.randn(8, 1, generator=gen) + 0.1 * torch.randn(n, 1, generator=gen)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=False)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))
    return model, loader


def test_restores_model_and_optimizer_bit_identically():
    model, loader = regression()
    optimizer = torch.optim.Adam([{'params': model[0].parameters()}, {'params': model[3].parameters(), 'lr': 2e-3}])
    for x, y in list(loader)[:3]:  # non-trivial optimizer state, BN buffers and leftover gradients
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    model_before = {k: v.clone() for k, v in model.state_dict().items()}
    grads_before = [p.grad.clone() for p in model.parameters()]
    opt_before = optimizer.state_dict()
    opt_before = {
        'state': {k: {n: t.clone() for n, t in s.items()} for k, s in opt_before['state'].items()},
        'param_groups': [dict(g) for g in opt_before['param_groups']],
    }
    result = LRFinder(model, optimizer, nn.functional.mse_loss).range_test(
        loader, start_lr=1e-4, end_lr=1.0, num_iter=30
    )
    assert len(result.lrs) > 10
    for k, v in model.state_dict().items():
        assert torch.equal(v, model_before[k]), k
    for p, g in zip(model.parameters(), grads_before):
        assert torch.equal(p.grad, g)
    after = optimizer.state_dict()
    assert after['param_groups'] == opt_before['param_groups']
    for k, s in opt_before['state'].items():
        for n, t in s.items():
            assert torch.equal(after['state'][k][n], t), (k, n)


@pytest.mark.parametrize('mode', ['exp', 'linear'])
def test_sweep_and_group_ratios(mode):
    model, loader = regression()
    optimizer = torch.optim.SGD(
        [{'params': model[0].parameters()}, {'params': model[3].parameters(), 'lr': 0.3}], lr=0.1
    )
    seen = []
    original_step = optimizer.step

    def spy(*args, **kwargs):
        seen.append([g['lr'] for g in optimizer.param_groups])
        return original_step(*args, **kwargs)

    optimizer.step = spy
    result = find_lr(
        model,
        optimizer,
        loader,
        criterion=nn.functional.mse_loss,
        start_lr=1e-3,
        end_lr=1e-1,
        num_iter=9,
        step_mode=mode,
        diverge_th=1e9,
    )
    fractions = [i / 8 for i in range(9)]
    want = [1e-3 * 100**f if mode == 'exp' else 1e-3 + (1e-1 - 1e-3) * f for f in fractions]
    assert len(result.lrs) == 9 and all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(result.lrs, want))
    assert all(math.isclose(g1, 3 * g0, rel_tol=1e-12) for g0, g1 in seen)  # group 1 keeps its 3x ratio
    assert [g[0] for g in seen] == result.lrs


def test_smoothing_and_early_stop_on_divergence():
    model, loader = regression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    result = LRFinder(model, optimizer, nn.functional.mse_loss).range_test(
        loader, start_lr=1e-3, end_lr=1e4, num_iter=100, smooth_f=0.5
    )
    assert result.diverged and len(result.lrs) < 100
    assert len(result.lrs) == len(result.losses) == len(result.raw_losses)
    # debiased EMA, beta = 0.5: s_1 = l_1, s_2 = (0.5 l_1 + l_2) / 1.5 (times 0.5 / 0.75)
    l1, l2 = result.raw_losses[:2]
    assert math.isclose(result.losses[0], l1, rel_tol=1e-12)
    assert math.isclose(result.losses[1], (0.25 * l1 + 0.5 * l2) / 0.75, rel_tol=1e-12)


def test_suggest_lr_is_steepest_descent():
    lrs = [10 ** (-5 + i / 10) for i in range(60)]
    # a sigmoid drop in log10(lr) centred at 1e-3
    losses = [1 / (1 + math.exp(4 * (math.log10(lr) + 3))) for lr in lrs]
    assert math.isclose(suggest_lr(lrs, losses, skip_start=5, skip_end=5), 1e-3, rel_tol=1e-9)
    assert suggest_lr(lrs[:4], losses[:4]) is None


def test_optimizer_that_requires_a_closure():
    class ClosureSGD(torch.optim.SGD):
        requires_closure = True

        def step(self, closure=None):
            assert closure is not None
            return super().step(closure)

    model, loader = regression()
    result = find_lr(
        model,
        ClosureSGD(model.parameters(), lr=0.1),
        loader,
        criterion=nn.functional.mse_loss,
        end_lr=0.1,
        num_iter=12,
    )
    assert len(result.lrs) == 12


def test_validation():
    model, loader = regression()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r'LRFinder: end_lr must be in \(0.1, inf\), got 0.01'):
        finder.range_test(loader, start_lr=0.1, end_lr=0.01)
    with pytest.raises(ValueError, match=r"LRFinder: step_mode must be one of \('exp', 'linear'\), got 'cos'"):
        finder.range_test(loader, step_mode='cos')
    with pytest.raises(ValueError, match=r'LRFinder: pass closure=, or train_loader= together with criterion='):
        finder.range_test(loader)
    with pytest.raises(TypeError, match=r'LRFinder: optimizer must be a torch.optim.Optimizer'):
        LRFinder(model, 'sgd')


def test_plot_or_clear_import_error(tmp_path):
    result, _ = run_lr_find('sgd', num_iter=20)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match='needs matplotlib'):
            result.plot(path=str(tmp_path / 'lr.png'))
    else:
        result.plot(path=str(tmp_path / 'lr.png'))
        assert (tmp_path / 'lr.png').exists()


def test_cli(capsys):
    assert run_lr_find_cli(['sgd', '--num-iter', '30', '--start-lr', '1e-4', '--end-lr', '10']) == 0
    out = capsys.readouterr().out
    assert 'sgd on teacher' in out and 'suggested lr:' in out


@pytest.mark.slow
def test_suggestion_is_near_the_best_fixed_lr_on_the_embedded_task():
    # the LR finder's suggestion for AdamW on the embedded teacher task, against the best fixed LR of a
    # half-decade grid after the task's default 200 steps (measured: best 3e-2, suggestion ~3.8e-2)
    result, _ = run_lr_find('adamw', 'teacher', start_lr=1e-5, end_lr=10.0, num_iter=100)
    task = TeacherStudent()
    grid = [10 ** (k / 2) for k in range(-6, 0)]  # 1e-3 ... 3e-1
    finals = {lr: train('adamw', task, lr, 200, seed=0, evaluate_every=10**6).final_loss for lr in grid}
    best = min(finals, key=lambda lr: finals[lr] if math.isfinite(finals[lr]) else math.inf)
    assert best / 3 <= result.suggestion <= best * 3, (result.suggestion, finals)
