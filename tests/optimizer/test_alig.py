"""AliG against its reference and torch.optim.SGD, and its Polyak step on a quadratic."""

import pytest
import torch

from pytorch_optimizer.optimizer.alig import AliG
from tests.reference.alig import AliGReference


def make_params():
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)]


def loss_fn(params):
    return sum(((i + 1.0) * (p - 0.5) ** 2).sum() + 0.1 * (p**4).sum() for i, p in enumerate(params))


def closure_for(params):
    def closure():
        for p in params:
            p.grad = None
        loss = loss_fn(params)
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(max_lr=None),
        dict(max_lr=0.05),
        dict(max_lr=0.1, momentum=0.9),
        dict(max_lr=0.1, momentum=0.9, adjusted_momentum=True),
    ],
    ids=str,
)
def test_matches_reference(kwargs):
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, ref = AliG(ours, **kwargs), AliGReference(theirs, **kwargs)
    for _ in range(12):
        opt.step(closure_for(ours))
        ref.step(closure_for(theirs)().item())
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_clipped_step_is_sgd():
    """When max_lr binds, AliG is SGD with lr = max_lr (torch.optim.SGD, to round-off)."""
    ours, theirs = [p.requires_grad_() for p in make_params()], [p.requires_grad_() for p in make_params()]
    opt, sgd = AliG(ours, max_lr=1e-3), torch.optim.SGD(theirs, lr=1e-3)
    for _ in range(12):
        opt.step(closure_for(ours))
        sgd.step(closure_for(theirs))
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, rtol=1e-14, atol=1e-15)


def test_polyak_step_halves_the_distance_on_a_quadratic():
    """f = |x - t|^2 / 2 has |grad|^2 = 2 f, so the unclipped step f / |grad|^2 = 1/2 goes halfway to t."""
    x, t = torch.nn.Parameter(torch.full((3,), 4.0, dtype=torch.float64)), torch.ones(3, dtype=torch.float64)

    def closure():
        x.grad = None
        loss = 0.5 * ((x - t) ** 2).sum()
        loss.backward()
        return loss

    AliG([x], eps=0.0).step(closure)
    torch.testing.assert_close(x.detach(), torch.full((3,), 2.5, dtype=torch.float64), rtol=1e-15, atol=0)
