"""NewtonSummary vs the plain reference, and spec second_order.md §2.5 (N1-N5)."""

import math

import pytest
import torch
from torch import nn

from pytorch_optimizer import NewtonSummary
from pytorch_optimizer.lr_scheduler.gen import GeN
from pytorch_optimizer.optimizer.newtonsummary import compute_hg, nesterov_lrs, partition

pytest.importorskip('scipy')
from tests.reference.newtonsummary import NewtonSummaryReference, summary

F64 = torch.float64
X = torch.linspace(-1.0, 1.0, 24, dtype=F64).reshape(8, 3)
Y = torch.sin(X.sum(dim=1, keepdim=True))


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()


def functional_loss(model, criterion=None):
    names = [n for n, _ in model.named_parameters()]

    def loss_fn(tensors):
        out = torch.func.functional_call(model, dict(zip(names, tensors)), (X,))
        return (criterion or smooth_l1)(out)

    return loss_fn


def smooth_l1(out):
    """log-cosh: a smooth loss whose third derivative does not vanish (MSE's is 0 on the last layer)."""
    return torch.log(torch.cosh(out - Y)).mean()


# configurations whose 12-step trajectories are stable on the task (unregularized Newton on the canonical
# partition is chaotic there, and rounding differences would then grow without bound)
FLAGS = [
    {'momentum': 0.9, 'momentum_damp': 0.9, 'damping': 0.3, 'remove_negative': True},
    {
        'dct_nesterov': {'use': True, 'damping_int': 10.0, 'mom_order3_': 0.5},
        'movavg': 0.3,
        'period_hg': 3,
        'damping': 0.5,
    },
    {'noregul': True, 'diagonal': True, 'momentum': 0.5, 'remove_negative': True, 'damping': 0.3},
    {'dct_nesterov': {'use': True, 'damping_int': 3.0}, 'damping': 0.3, 'remove_negative': True, 'mom_lrs': 0.5},
    {'ridge': 0.5, 'remove_negative': True, 'maintain_true_lrs': True, 'mom_lrs': 0.7},
]


def to_ref(flags):
    ref = {k: v for k, v in flags.items() if k != 'dct_nesterov'}
    nest = flags.get('dct_nesterov', {})
    ref.update(nesterov_use=nest.get('use', False), damping_int=nest.get('damping_int', 0.0))
    ref.update(mom_order3_=nest.get('mom_order3_', 0.0))
    return ref


@pytest.mark.parametrize('make_partition', ['canonical', 'trivial', 'wb'])
@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(f) or 'default')
def test_matches_reference(flags, make_partition):
    model = mlp()
    groups, _ = getattr(partition, make_partition)(model)
    ref_groups = [[p.detach().clone() for p in g['params']] for g in groups]
    order = [p for g in groups for p in g['params']]
    names = [n for n, _ in model.named_parameters()]
    position = {id(p): i for i, p in enumerate(model.parameters())}
    loss_all = functional_loss(model)

    def ref_loss(flat):  # flat follows the partition's order; functional_call wants the model's order
        ordered = [None] * len(flat)
        for p, t in zip(order, flat):
            ordered[position[id(p)]] = t
        return loss_all(ordered)

    opt = NewtonSummary(groups, **flags)
    ref = NewtonSummaryReference(**to_ref(flags))

    def closure(backward=True):
        loss = smooth_l1(model(X))
        if backward:
            opt.zero_grad()
            loss.backward()
        return loss

    assert len(names) == 4
    for k in range(12):
        flat = [t for g in ref_groups for t in g]
        grads = torch.func.grad(lambda ts: ref_loss(list(ts)))(tuple(flat))
        it = iter(grads)
        ref_grads = [[next(it) for _ in g] for g in ref_groups]
        opt.step(closure)
        ref.step(ref_loss, ref_groups, ref_grads)
        for i, (g, rg) in enumerate(zip(groups, ref_groups)):
            for p, r in zip(g['params'], rg):
                torch.testing.assert_close(
                    p.detach(), r, rtol=1e-8, atol=1e-10, msg=lambda m, i=i, k=k: f'step {k} group {i}: {m}'
                )


def test_n1_scalar_closed_form():
    for (h, gamma, delta, lam), expected in (
        ((2.0, 3.0, 0.5, 1.0), 1.4355957741627),
        ((-1.0, 3.0, 0.7, 2.0), 4.7548945242267),
        ((0.5, 1.0, 1.3, 10.0), 0.2798159281679),
    ):
        closed = (-h + math.sqrt(h * h + 2 * lam * delta**3 * gamma)) / (lam * delta**3)
        args = (torch.tensor([[h]], dtype=F64), torch.tensor([gamma], dtype=F64), torch.tensor([delta], dtype=F64))
        eta, found = nesterov_lrs(*args, lam)
        assert (
            found and eta.item() == pytest.approx(expected, abs=1e-12) and closed == pytest.approx(expected, abs=1e-12)
        )


def test_n2_two_subsets_fixed_point():
    H = torch.tensor([[2.0, 0.5], [0.5, -0.3]], dtype=F64)
    g, o3_, lam = torch.tensor([1.0, 0.4], dtype=F64), torch.tensor([0.8, 1.1], dtype=F64), 3.0
    eta, found = nesterov_lrs(H, g, o3_, lam)
    assert found
    torch.testing.assert_close(eta, torch.tensor([0.3245, 0.3899], dtype=F64), rtol=0, atol=1e-4)
    M = H + lam / 2 * torch.linalg.vector_norm(o3_ * eta) * torch.diag(o3_**2)
    torch.testing.assert_close(M @ eta, g, rtol=1e-10, atol=1e-10)
    assert torch.linalg.eigvalsh(M)[0] > 0


def test_n3_compute_hg_matches_phi_derivatives_and_mse_last_layer_has_no_third_order():
    model = mlp()
    groups, names = partition.canonical(model)
    params = [g['params'] for g in groups]
    gen = torch.Generator().manual_seed(1)
    u = [[torch.randn(p.shape, generator=gen, dtype=F64) for p in ps] for ps in params]
    H, g, o3 = compute_hg(params, ((model(X) - Y) ** 2).mean(), u)
    mse = functional_loss(model, lambda out: ((out - Y) ** 2).mean())
    H_ref, g_ref, o3_ref = summary(mse, [[p.detach() for p in ps] for ps in params], u)
    torch.testing.assert_close(H, H_ref, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(g, g_ref, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(o3, o3_ref, rtol=1e-10, atol=1e-12)
    assert names[2:] == [['2.weight'], ['2.bias']] and torch.equal(o3[2:], torch.zeros(2, dtype=F64))
    assert not torch.equal(o3[:2], torch.zeros(2, dtype=F64))


def test_n4_quadratic_one_step_to_minimizer_and_s1_equals_gen():
    A = torch.tensor([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]], dtype=F64)
    b = torch.tensor([1.0, -1.0, 2.0], dtype=F64)
    scalars = [nn.Parameter(torch.tensor(v, dtype=F64)) for v in (0.5, 0.5, -0.5)]
    opt = NewtonSummary([{'params': [p]} for p in scalars], noregul=True)

    def closure(backward=True):
        x = torch.stack(scalars)
        loss = 0.5 * x @ A @ x - b @ x
        if backward:
            opt.zero_grad()
            loss.backward()
        return loss

    opt.step(closure)
    torch.testing.assert_close(torch.stack([p.detach() for p in scalars]), torch.linalg.solve(A, b))
    theta = nn.Parameter(torch.ones(2, dtype=F64))
    diag = torch.diag(torch.tensor([1.0, 10.0], dtype=F64))
    opt = NewtonSummary([theta], noregul=True)
    opt.step(lambda backward=True: closure_quad(theta, diag, opt, backward))
    assert opt.param_groups[0]['lr'] == pytest.approx(101 / 1001, abs=1e-14)
    sgd = torch.optim.SGD([theta], lr=1.0)
    sched = GeN(sgd, 0.0, 10.0)
    closure_quad(theta, diag, sgd, True)
    assert sched.step(lambda: 0.5 * theta @ diag @ theta)[0] == pytest.approx(sched.last_estimate)
    H, g, _ = compute_hg([[theta]], 0.5 * theta @ diag @ theta, [[theta.grad]], noregul=True)
    assert sched.last_estimate == pytest.approx((g / H[0, 0]).item(), abs=1e-14)


def closure_quad(theta, diag, opt, backward):
    loss = 0.5 * theta @ diag @ theta
    if backward:
        opt.zero_grad()
        loss.backward()
    return loss


def _run_with_updater(lr, loss_kind):
    model = mlp()
    groups, _ = partition.wb(model)
    updater = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    opt = NewtonSummary(groups, dct_nesterov={'use': True, 'damping_int': 10.0}, updater=updater)

    def closure(backward=True):
        out = model(X)
        loss = ((out - Y) ** 2).mean() if loss_kind == 'mse' else ((out - Y) ** 2).mean() + (out**4).mean()
        if backward:
            opt.zero_grad()
            loss.backward()
        return loss

    for _ in range(4):
        opt.step(closure)
    return [p.detach().clone() for p in model.parameters()], opt, updater


def test_n5_scaling_u_leaves_the_step_unchanged():
    a, opt_a, upd_a = _run_with_updater(1.0, 'quartic')
    b, opt_b, _ = _run_with_updater(10.0, 'quartic')
    for x, y in zip(a, b):
        torch.testing.assert_close(x, y, rtol=1e-9, atol=1e-12)
    ratios = [ga['lr'] / gb['lr'] for ga, gb in zip(opt_a.param_groups, opt_b.param_groups)]
    assert ratios == [pytest.approx(10.0)] * len(ratios)
    assert all(s['momentum_buffer'] is not None for s in upd_a.state.values())


def test_n5_zero_third_order_falls_back_to_newton_on_summary():
    theta = nn.Parameter(torch.ones(2, dtype=F64))
    diag = torch.diag(torch.tensor([1.0, 10.0], dtype=F64))
    opt = NewtonSummary([theta], dct_nesterov={'use': True, 'damping_int': 10.0})
    opt.step(lambda backward=True: closure_quad(theta, diag, opt, backward))
    assert opt.param_groups[0]['lr'] == pytest.approx(101 / 1001, abs=1e-14)


def test_original_constructor_with_loader_and_momentum():
    model = mlp()
    groups, names = partition.canonical(model)
    batches = [(X[:4], Y[:4]), (X[4:], Y[4:])]
    seen = []

    def full_loss(x, target):
        seen.append(x.shape[0])
        return torch.log(torch.cosh(model(x) - target)).mean()

    opt = NewtonSummary(
        groups,
        full_loss,
        batches,
        damping=0.1,
        dct_nesterov={'use': True, 'damping_int': 10.0},
        period_hg=2,
        mom_lrs=0.5,
        remove_negative=True,
        momentum=0.9,
        momentum_damp=0.9,
    )
    first = full_loss(X, Y).item()
    seen.clear()
    for _ in range(20):
        opt.zero_grad()
        full_loss(X, Y).backward()
        opt.step()
    assert len(seen) == 30, 'one summary batch every period_hg=2 steps (plus the 20 training losses)'
    assert full_loss(X, Y).item() < first
    assert [len(n) for n in names] == [1, 1, 1, 1]
    opt.damping_mul(0.5)
    assert opt.param_groups[0]['damping'] == 0.05


def test_partitions():
    model = nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2), nn.Linear(2, 1, bias=False))
    model[1].weight.requires_grad_(False)
    assert [len(g['params']) for g in partition.canonical(model)[0]] == [1, 1, 1, 1]
    assert partition.trivial(model)[1] == [['0.weight', '0.bias', '1.bias', '2.weight']]
    assert partition.wb(model)[1] == [['0.weight', '2.weight'], ['0.bias', '1.bias']]
    assert NewtonSummary.partition is partition


def test_closure_mode_requires_a_backward_flag_closure_and_a_closure():
    p = nn.Parameter(torch.ones(2, dtype=F64))
    with pytest.raises(RuntimeError, match='closure'):
        NewtonSummary([p]).step()


def test_nesterov_with_a_zero_third_order_subset_and_indefinite_summary():
    H = torch.tensor([[-1.0, 0.5], [0.5, 2.0]], dtype=F64)
    g, o3_, lam = torch.tensor([1.0, 0.4], dtype=F64), torch.tensor([0.9, 0.0], dtype=F64), 3.0
    eta, found = nesterov_lrs(H, g, o3_, lam)  # the singular-D branch: x0 from λ_min(H̄ + (λ/2) r D²) = 0
    assert found
    M = H + lam / 2 * torch.linalg.vector_norm(o3_ * eta) * torch.diag(o3_**2)
    torch.testing.assert_close(M @ eta, g, rtol=1e-10, atol=1e-10)
    assert torch.linalg.eigvalsh(M)[0] > 0
    assert nesterov_lrs(torch.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=F64), g, o3_, lam) == (None, False)
    with pytest.raises(ValueError, match='damping_int'):
        nesterov_lrs(H, g, torch.tensor([0.9, 0.5], dtype=F64), 0.0)


@pytest.mark.parametrize('period_hg', [1, 2])
@pytest.mark.parametrize('momentum', [0.0, 0.9])
def test_a_non_finite_gradient_changes_nothing_and_training_recovers(momentum, period_hg):
    """A NaN gradient (also on a step without a summary) reaches neither the momentum buffers nor the
    parameters: the step is skipped and the next finite step proceeds as if it had not happened."""
    model = mlp()
    opt = NewtonSummary(partition.wb(model)[0], damping=0.3, momentum=momentum, period_hg=period_hg)

    def closure(nan=False):
        def inner(backward=True):
            loss = torch.log(torch.cosh(model(X) - Y)).mean()
            if backward:
                opt.zero_grad()
                loss.backward()
                if nan:
                    next(model.parameters()).grad[0, 0] = float('nan')
            return loss

        return inner

    for _ in range(3):
        opt.step(closure())
    before = [p.detach().clone() for p in model.parameters()]
    buffers = [opt.state[p]['momentum_buffer'].clone() for p in model.parameters()]
    lrs = [g['lr'] for g in opt.param_groups]
    opt.step(closure(nan=True))
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))
    assert all(torch.equal(opt.state[p]['momentum_buffer'], b) for p, b in zip(model.parameters(), buffers))
    assert [g['lr'] for g in opt.param_groups] == lrs
    for _ in range(3):
        opt.step(closure())
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert all(torch.isfinite(opt.state[p]['momentum_buffer']).all() for p in model.parameters())
    assert any(not torch.equal(p, b) for p, b in zip(model.parameters(), before))
