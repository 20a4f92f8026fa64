import pytest
import torch

from pytorch_optimizer import ApolloDQN
from tests.optimizer.pilot_utils import compare
from tests.reference.apollodqn import apollodqn_step

SHAPES = [(5, 4), (7,), (), (3, 2, 2)]
FLAGS = [
    {},
    {'rebound': 'belief'},
    {'weight_decay': 0.1},
    {'weight_decay': 0.1, 'weight_decay_type': 'decoupled'},
    {'weight_decay': 0.1, 'weight_decay_type': 'stable', 'rebound': 'belief'},
    {'warmup_steps': 0, 'beta': 0.5},
]


@pytest.mark.parametrize('flags', FLAGS, ids=lambda f: ','.join(map(str, f.values())) or 'default')
def test_matches_reference(flags):
    kwargs = {'lr': 1e-2, 'warmup_steps': 5, **flags}
    compare(ApolloDQN, apollodqn_step, SHAPES, steps=15, opt_kwargs=kwargs, ref_kwargs=kwargs, rtol=1e-10, atol=1e-12)


def test_weak_secant_condition_holds_after_each_update():
    # B_t is the closest diagonal to B_{t-1} with d~^T B_t d~ = -d~^T y_t / (|d|_4 + eps) (Sec. 3.1)
    p = torch.nn.Parameter(torch.randn(6, dtype=torch.float64))
    opt = ApolloDQN([p], lr=0.01, warmup_steps=0, rebound='belief', eps=1e-12)
    torch.manual_seed(0)
    for _ in range(6):
        state = {k: v.clone() for k, v in opt.state[p].items()} if opt.state[p] else None
        p.grad = torch.randn(6, dtype=torch.float64)
        opt.step()
        if state is None or not state['update'].any():
            continue
        d_tilde = state['update'] / torch.linalg.vector_norm(state['update'], 4)
        y = opt.state[p]['exp_avg_grad'] - state['exp_avg_grad']
        lhs = (d_tilde**2 * opt.state[p]['approx_hessian']).sum()
        rhs = -(d_tilde * y).sum() / torch.linalg.vector_norm(state['update'], 4)
        torch.testing.assert_close(lhs, rhs, rtol=1e-8, atol=1e-10)  # eps = 1e-12 in the norms
