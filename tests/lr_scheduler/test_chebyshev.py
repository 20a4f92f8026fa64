import math

import pytest
import torch

from pytorch_optimizer import ChebyshevScheduler, load_lr_scheduler
from pytorch_optimizer.lr_scheduler.chebyshev import get_chebyshev_permutation, get_chebyshev_schedule
from tests.lr_scheduler.helpers import assert_close, check_resume, check_sequential, lr_sequence, make_optimizer


def steps(T, m=0.05, M=1.0):
    # 1 / gamma_j, gamma_j = (M + m) / 2 - (M - m) / 2 cos((j - 1/2) pi / T), j = 1..T
    return [1 / ((M + m) / 2 - (M - m) / 2 * math.cos((j - 0.5) * math.pi / T)) for j in range(1, T + 1)]


def test_fractal_permutation():
    # sigma_1 = [1], sigma_2T = interlace(sigma_T, 2T + 1 - sigma_T), written 1-based in the paper
    assert [i + 1 for i in get_chebyshev_permutation(2)] == [1, 2]
    assert [i + 1 for i in get_chebyshev_permutation(4)] == [1, 4, 2, 3]
    assert [i + 1 for i in get_chebyshev_permutation(8)] == [1, 8, 4, 5, 2, 7, 3, 6]


def test_sequence_by_hand():
    s = steps(4)
    got = lr_sequence(get_chebyshev_schedule(make_optimizer((0.1,)), 4), 9)
    want = [0.1 * s[0], 0.1 * s[3], 0.1 * s[1], 0.1 * s[2]]
    assert_close(got, [[want[t % 4]] for t in range(9)])  # repeats with period T
    # the largest step 1 / gamma_1 ~ 1 / m comes first; gamma_1 by hand: 0.525 - 0.475 cos(pi / 8)
    assert got[0][0] == pytest.approx(0.1 / (0.525 - 0.475 * math.cos(math.pi / 8)), abs=1e-12)
    # num_epochs is rounded up to a power of two; is_warmup holds the base LR
    assert ChebyshevScheduler(make_optimizer(), 5).period == 8
    assert_close(lr_sequence(get_chebyshev_schedule(make_optimizer((0.1,)), 4, is_warmup=True), 3), [[0.1]] * 3)


def test_accelerates_gradient_descent_on_a_quadratic():
    # the product of (1 - eta_t lambda) over one period is the scaled Chebyshev polynomial: the error of every
    # eigen-direction in [m, M] shrinks by at most 1 / T_T((M + m) / (M - m)), whatever the order
    T, m, M = 16, 0.05, 1.0
    lam = torch.linspace(m, M, 101, dtype=torch.float64)
    x = torch.nn.Parameter(torch.ones(101, dtype=torch.float64))
    optimizer = torch.optim.SGD([x], lr=1.0)
    scheduler = ChebyshevScheduler(optimizer, T, small_m=m, big_m=M)
    for _ in range(T):
        optimizer.zero_grad()
        (0.5 * (lam * x * x).sum()).backward()
        optimizer.step()
        scheduler.step()
    bound = 1 / math.cosh(T * math.acosh((M + m) / (M - m)))
    assert x.detach().abs().max().item() <= bound * (1 + 1e-6)
    assert bound < 0.01 * ((M - m) / (M + m)) ** T  # much better than the best constant step 2 / (M + m)


def test_resume():
    check_resume(lambda o: ChebyshevScheduler(o, 16), n=40, k=11)


def test_sequential():
    s = steps(8)
    order = [s[i] for i in get_chebyshev_permutation(8)]
    check_sequential(lambda o: ChebyshevScheduler(o, 8), lambda t: [0.1 * order[t % 8]])


def test_registry_and_validation():
    assert load_lr_scheduler('chebyshev') is ChebyshevScheduler
    with pytest.raises(ValueError, match=r'ChebyshevScheduler: big_m must be >= small_m \(0.5\), got 0.1'):
        ChebyshevScheduler(make_optimizer(), 4, small_m=0.5, big_m=0.1)
    with pytest.raises(TypeError, match=r"ChebyshevScheduler: is_warmup must be True or False, got 'no'"):
        ChebyshevScheduler(make_optimizer(), 4, 'no')
