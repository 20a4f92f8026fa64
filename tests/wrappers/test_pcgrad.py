import pytest
import torch
from torch import nn

from pytorch_optimizer import PCGrad
from pytorch_optimizer.wrappers.pcgrad import project_conflicting
from tests.wrappers.wrapper_utils import X, Y, check_all

D = torch.float64


def drive(opt, model, steps):
    pc = opt if hasattr(opt, 'pc_backward') else opt.optimizer
    for _ in range(steps):
        opt.zero_grad()
        out = model(X)
        pc.pc_backward([((out - Y) ** 2).mean(), (out + Y).abs().mean(), (out * out).mean() * 0.1])
        opt.step()


@pytest.mark.parametrize(('reduction', 'expected'), [('mean', [0.25, 0.75]), ('sum', [0.5, 1.5])])
def test_two_conflicting_tasks_by_hand(reduction, expected):
    # g1 = (1, 0), g2 = (-1, 1): g1.g2 = -1 < 0, so g1 -> (0.5, 0.5) and g2 -> (0, 1)
    w = nn.Parameter(torch.zeros(2, dtype=D))
    only1 = nn.Parameter(torch.zeros(1, dtype=D))
    unused = nn.Parameter(torch.zeros(1, dtype=D))
    opt = PCGrad(torch.optim.SGD([w, only1, unused], lr=1.0), reduction=reduction, seed=0)
    l1 = w @ torch.tensor([1.0, 0.0], dtype=D) + 2.0 * only1.sum()
    l2 = w @ torch.tensor([-1.0, 1.0], dtype=D)
    opt.pc_backward([l1, l2])
    torch.testing.assert_close(w.grad, torch.tensor(expected, dtype=D))
    torch.testing.assert_close(only1.grad, torch.tensor([2.0], dtype=D))
    assert unused.grad is None
    opt.step()
    torch.testing.assert_close(w.detach(), -torch.tensor(expected, dtype=D))


def test_projection_removes_conflicts_and_keeps_agreeing_gradients():
    g = [torch.tensor([1.0, 0.0, 1.0], dtype=D), torch.tensor([1.0, 1.0, 0.0], dtype=D)]
    assert all(torch.equal(a, b) for a, b in zip(project_conflicting(g, [[1], [0]]), g))
    g = [torch.tensor([1.0, 0.2], dtype=D), torch.tensor([-1.0, 0.5], dtype=D), torch.tensor([0.3, -1.0], dtype=D)]
    out = project_conflicting(g, [[1, 2], [0, 2], [0, 1]])
    assert float(out[0] @ g[2]) >= -1e-12  # the last projection leaves no conflict with that task


def test_reduction_validated():
    with pytest.raises(ValueError, match='reduction'):
        PCGrad(torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=0.1), reduction='max')


def test_wrapper_contract():
    check_all(lambda m: PCGrad(torch.optim.AdamW(m.parameters(), lr=0.01), seed=1), drive=drive)
