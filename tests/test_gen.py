"""GeN (exact and efficient) — spec second_order.md §1.4 (G1-G5) plus the API around it."""

import io
import math

import pytest
import torch
from torch import nn

from pytorch_optimizer import AdaBelief, Lookahead, NoClosureError, load_lr_scheduler
from pytorch_optimizer.lr_scheduler.gen import ExactGen, GeN, GenOptimizer, make_gen_optimizer

A = torch.diag(torch.tensor([1.0, 10.0], dtype=torch.float64))
CAUCHY = 101 / 1001


def quadratic(opt_cls=torch.optim.SGD, lr=0.1, **kwargs):
    theta = nn.Parameter(torch.ones(2, dtype=torch.float64))
    opt = opt_cls([theta], lr=lr, **kwargs)
    calls = []

    def closure(backward=True):
        calls.append(backward)
        loss = 0.5 * theta @ A @ theta
        if backward:
            opt.zero_grad()
            loss.backward()
        return loss

    return theta, opt, closure, calls


@pytest.mark.parametrize('probe_lr', [1e-3, 0.3, 5.0])
def test_g1_sgd_exact_and_parabola_agree_on_quadratic(probe_lr):
    estimates = []
    for mode in ('exact', 'approx'):
        _, opt, closure, _ = quadratic(lr=probe_lr)
        sched = GeN(opt, 0.0, 10.0, mode=mode)
        closure()
        sched.step(closure)
        estimates.append(sched.last_estimate)
    assert estimates[0] == pytest.approx(CAUCHY, abs=1e-13)
    assert estimates[1] == pytest.approx(CAUCHY, abs=1e-9)


def test_g1_exact_sets_lr_and_adam_first_step():
    _, opt, closure, _ = quadratic()
    sched = GeN(opt, 0.0, 10.0)
    closure()
    assert sched.step(closure) == [pytest.approx(CAUCHY, abs=1e-14)]
    for lr_max, expected in ((10.0, 1.0000000018), (0.5, 0.5)):
        _, opt, closure, _ = quadratic(torch.optim.Adam, lr=0.01)
        sched = GeN(opt, 0.0, lr_max)
        closure()
        assert sched.step(closure)[0] == pytest.approx(expected, abs=1e-10)


def test_g2_relu_layer_batch_one():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, generator=gen, dtype=torch.float64), torch.randn(3, generator=gen, dtype=torch.float64)
    layer = nn.Linear(4, 3).double()
    with torch.no_grad():
        layer.bias.copy_(torch.tensor([1.0, -5.0, 2.0]))  # two active units, one dead
    opt = torch.optim.SGD(layer.parameters(), lr=0.01)
    sched = GeN(opt, 0.0, 10.0)

    def closure(backward=True):
        loss = 0.5 * (torch.relu(layer(x)) - y).pow(2).sum()
        if backward:
            opt.zero_grad()
            loss.backward()
        return loss

    closure()
    sched.step(closure)
    assert sched.last_estimate == pytest.approx(1 / (1 + x.dot(x).item()), rel=1e-12)


def test_g3_linear_model_has_no_curvature_and_uses_fallback():
    x = torch.tensor([1.0, 2.0, -0.5], dtype=torch.float64)
    w = nn.Parameter(torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=0.05)
    for fallback, expected in ((None, 0.05), (0.02, 0.02)):
        sched = GeN(opt, 0.0, 1.0, fallback=fallback)
        opt.param_groups[0]['lr'] = 0.05
        (w @ x - 1.0).backward()
        sched.step(lambda: w @ x - 1.0)
        c0, c1, c2 = sched.last_coefficients
        assert (c0, c1, c2) == (pytest.approx((w @ x).item() - 1.0), pytest.approx(-x.dot(x).item()), 0.0)
        assert opt.param_groups[0]['lr'] == expected
        opt.zero_grad()


def test_g4_squared_norm_model_coefficients():
    x = 1.7
    w = nn.Parameter(torch.tensor([0.4, -1.1], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=0.05)
    sched = GeN(opt, 0.0, 10.0)
    (w.pow(2).sum() * x - 0.3).backward()
    sched.step(lambda: w.pow(2).sum() * x - 0.3)
    y_hat = w.pow(2).sum().item() * x
    _, c1, c2 = sched.last_coefficients
    assert c1 == pytest.approx(-4 * y_hat * x, rel=1e-12)
    assert c2 == pytest.approx(4 * y_hat * x**2, rel=1e-12)


@pytest.mark.parametrize('mode', ['exact', 'approx'])
def test_g5_adam_steps_once_and_matches_a_plain_adam(mode):
    theta, opt, closure, _ = quadratic(torch.optim.Adam, lr=0.05)
    twin = nn.Parameter(theta.detach().clone())
    twin_opt = torch.optim.Adam([twin], lr=0.05)
    sched = GeN(opt, 0.0, 1.0, mode=mode)
    for k in range(1, 6):
        closure()
        lr = sched.step(closure)[0]
        opt.step()
        assert opt.state[theta]['step'].item() == k
        twin_opt.param_groups[0]['lr'] = lr
        twin.grad = A @ twin.detach()
        twin_opt.step()
        torch.testing.assert_close(theta.detach(), twin.detach(), rtol=0, atol=0)
        torch.testing.assert_close(opt.state[theta]['exp_avg_sq'], twin_opt.state[twin]['exp_avg_sq'], rtol=0, atol=0)


def test_zoo_group_clock_and_wrapper_counter_not_double_advanced():
    _, opt, closure, _ = quadratic(AdaBelief, lr=0.05)
    wrapped = Lookahead(opt, k=3)
    sched = GeN(wrapped, 0.0, 1.0)
    for _ in range(4):
        closure()
        sched.step(closure)
        wrapped.step()
    assert opt.param_groups[0]['step'] == 4
    assert wrapped.state['lookahead']['step'] == 4


def test_probe_restores_gradients_and_lazy_state():
    theta, opt, closure, _ = quadratic(torch.optim.Adam, lr=0.05)
    sched = GeN(opt, 0.0, 1.0)
    closure()
    grad = theta.grad.clone()
    sched.step(closure)
    assert torch.equal(theta.grad, grad)
    assert not opt.state[theta], 'the probe left lazily created state behind'


def test_per_group_keeps_lr_ratios():
    a = nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    b = nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = torch.optim.SGD([{'params': [a], 'lr': 0.1}, {'params': [b], 'lr': 0.2}])

    def closure(backward=True):
        loss = 0.5 * (a**2).sum() + 5.0 * (b**2).sum()
        if backward:
            opt.zero_grad()
            loss.backward()
        return loss

    sched = GeN(opt, 0.0, 10.0, per_group=True)
    closure()
    lrs = sched.step(closure)
    delta = torch.tensor([0.1 * 1.0, 0.2 * 10.0], dtype=torch.float64)  # Δ = lr_g * g_g
    s = (torch.tensor([1.0, 10.0], dtype=torch.float64) @ delta) / (delta @ A @ delta)
    assert lrs == [pytest.approx(0.1 * s.item()), pytest.approx(0.2 * s.item())]
    assert lrs[1] / lrs[0] == pytest.approx(2.0)


def test_update_every_holds_lr_between_updates():
    _, opt, closure, calls = quadratic(lr=0.3)
    sched = GeN(opt, 0.0, 10.0, mode='approx', update_every=3)
    seen = []
    for _ in range(7):
        closure()
        calls.clear()
        seen.append((sched.step(closure)[0], len(calls)))
        opt.step()
    changes = [i for i in range(7) if seen[i][1] > 0]
    assert changes == [0, 3, 6]
    assert seen[1][0] == seen[2][0] == seen[0][0] and seen[4][0] == seen[3][0]


def test_approx_smoothing_clipping_and_given_loss():
    _, opt, closure, calls = quadratic(lr=0.3)
    sched = GeN(opt, 0.0, 10.0, mode='approx')
    loss = closure()
    calls.clear()
    lr = sched.step(closure, loss=loss.detach())[0]
    assert len(calls) == 2, 'with the training loss given, only the two trial points are evaluated'
    assert lr == pytest.approx(0.9 * 0.3 + 0.1 * 0.15)  # η* = 0.1009 clipped to η/2 = 0.15
    sched.scale = 0.5
    closure()
    lr2 = sched.step(closure)[0]
    assert lr2 == pytest.approx(0.9 * lr + 0.1 * 0.5 * max(sched.last_estimate, lr / 2))


def test_approx_rejects_concave_and_halves_on_failure():
    theta = nn.Parameter(torch.ones(2, dtype=torch.float64))
    opt = torch.optim.SGD([theta], lr=0.1)
    sched = GeN(opt, 0.0, 10.0, mode='approx', trial_points=(-1.0, -0.5, 0.0, 0.5, 1.0))
    theta.grad = -theta.detach().clone()
    assert sched.step(lambda: -0.5 * (theta**2).sum())[0] == 0.1  # concave: unchanged
    assert sched.step(lambda: torch.tensor(math.nan))[0] == 0.05  # failed fit: halved


def test_exact_fallback_on_negative_curvature_and_clamp():
    theta = nn.Parameter(torch.ones(2, dtype=torch.float64))
    opt = torch.optim.SGD([theta], lr=0.1)
    sched = GeN(opt, 0.01, 10.0, fallback=0.03)
    theta.grad = -theta.detach().clone()
    assert sched.step(lambda: -0.5 * (theta**2).sum()) == [0.03]
    theta.grad = -(A @ theta.detach())  # ascent direction on a convex loss: η* < 0 → lr_min
    assert sched.step(lambda: 0.5 * theta @ A @ theta) == [0.01]


def test_make_gen_optimizer_and_exact_gen_reference_api():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.5), nn.Linear(4, 1)).double()
    x, y = torch.randn(8, 3, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
    opt = make_gen_optimizer(torch.optim.AdamW, model.parameters(), lr=1e-3)
    assert isinstance(opt, GenOptimizer) and isinstance(opt, torch.optim.AdamW)
    criterion = nn.MSELoss()
    sched = ExactGen(opt, model, criterion, 0.0, 1.0)
    assert sched.get_last_lr() == [1e-3]
    opt.zero_grad()
    criterion(model(x), y).backward()
    lrs = sched.step(x, y)
    assert model.training, 'train mode not restored'
    opt.compute_param_updates()
    first = next(model.parameters())
    d = opt.get_param_update(first)
    assert d.shape == first.shape
    # the eval-mode coefficients equal GeN's with a deterministic closure on the same batch
    model.eval()
    sched2 = GeN(make_gen_optimizer(torch.optim.AdamW, model.parameters(), lr=1e-3), 0.0, 1.0, fallback=1e-3)
    assert sched2.step(lambda: criterion(model(x), y)) == pytest.approx(lrs, rel=1e-12)
    model.train()
    opt.step()
    assert opt.state[first]['step'].item() == 1
    with pytest.raises(ValueError, match='no update'):
        opt.get_param_update(first)


def test_registry_state_dict_and_errors():
    _, opt, closure, _ = quadratic()
    sched = load_lr_scheduler('gen')(opt, lr_min=0.0, lr_max=2.0, mode='approx', update_every=2)
    closure()
    sched.step(closure)
    buffer = io.BytesIO()
    torch.save(sched.state_dict(), buffer)
    buffer.seek(0)
    restored = GeN(quadratic()[1], 0.0, 2.0, mode='approx', update_every=2)
    restored.load_state_dict(torch.load(buffer, weights_only=False))
    assert restored.last_epoch == 1 and restored.update_every == 2
    with pytest.raises(NoClosureError, match='GeN'):
        GeN(opt).step()
    for kwargs, pattern in (
        ({'mode': 'newton'}, 'mode'),
        ({'lr_min': 1.0, 'lr_max': 0.5}, 'lr_max'),
        ({'update_every': 0}, 'update_every'),
        ({'trial_points': (-1.0, 1.0)}, 'trial_points'),
        ({'smoothing': 1.0}, 'smoothing'),
        ({'clip': 0.5}, 'clip'),
    ):
        with pytest.raises(ValueError, match=pattern):
            GeN(opt, **kwargs)
    with pytest.raises(TypeError, match='lr_max'):
        GeN(opt, lr_max='1e-3')
    with pytest.raises(TypeError, match='Optimizer'):
        GeN([1.0])
