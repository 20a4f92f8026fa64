"""Test functions, trajectories, the learning-rate search and the ``plot`` command."""

from __future__ import annotations

import argparse
import math

import pytest
import torch

import pytorch_optimizer  # noqa: F401  (registers everything)
from pytorch_optimizer.visualize import (
    FUNCTIONS,
    LR_GRID,
    add_plot_arguments,
    cmd_plot,
    first_order_optimizers,
    get_function,
    run,
    search_lr,
    skip_reason,
)


@pytest.mark.parametrize('name', sorted(FUNCTIONS))
def test_global_minima_are_stationary_minima(name):
    fn = FUNCTIONS[name]
    for minimum in fn.minima:
        xy = torch.tensor(minimum, dtype=torch.float64, requires_grad=True)
        value = fn(xy)
        (grad,) = torch.autograd.grad(value, xy)
        assert float(value.detach()) == pytest.approx(fn.min_value, abs=1e-4)
        assert float(grad.norm()) < 1e-3 * max(1.0, fn.min_value)
        assert fn.inside(xy.detach(), margin=0.0)
    start = torch.tensor(fn.start, dtype=torch.float64)
    assert fn.inside(start, margin=0.0)
    assert float(fn(start)) > fn.min_value + 1e-3  # the start is not already optimal
    grid = torch.rand(2, 7, 5, dtype=torch.float64)
    assert fn(grid).shape == (7, 5)
    assert bool((fn(grid) >= fn.min_value - 1e-6).all())


def test_unknown_function():
    with pytest.raises(ValueError, match='rosenbrock'):
        get_function('rosenbrok')
    assert get_function('Goldstein-Price').name == 'goldstein_price'


@pytest.mark.parametrize('name', ['adabelief', 'lion', 'sgd'])
def test_one_group_per_rate_equals_separate_runs(name):
    lrs = [1e-3, 3e-2, 0.3]
    together = run(name, 'rosenbrock', lrs, steps=25)
    for lr, trajectory in zip(lrs, together):
        alone = run(name, 'rosenbrock', [lr], steps=25)[0]
        assert trajectory.lr == lr
        torch.testing.assert_close(trajectory.points, alone.points, rtol=0, atol=0, equal_nan=True)
        torch.testing.assert_close(trajectory.losses, alone.losses, rtol=0, atol=0, equal_nan=True)
    assert together[0].points.shape == (26, 2)
    assert together[0].points[0].tolist() == list(FUNCTIONS['rosenbrock'].start)


def test_losses_are_the_function_along_the_path():
    trajectory = run('adamw', 'beale', [1e-2], steps=10)[0]
    expected = torch.stack([FUNCTIONS['beale'](p) for p in trajectory.points])
    torch.testing.assert_close(trajectory.losses, expected)


def test_search_picks_the_best_rate_and_refines_it():
    best = search_lr('adamw', 'rosenbrock', steps=150)
    assert len(best.searched) == len(LR_GRID) + 2
    scores = dict(best.searched)
    assert best.lr in scores and math.isfinite(best.score)
    assert best.score == pytest.approx(scores[best.lr])
    assert best.score <= min(scores.values()) * (1 + 1e-3)
    assert best.final_loss < float(FUNCTIONS['rosenbrock'](torch.tensor(FUNCTIONS['rosenbrock'].start))) / 100


def test_search_without_group_batching_and_a_divergent_grid():
    # prodigy has global statistics: one run per rate; the rates of this grid all leave the window
    best = search_lr('prodigy', 'rosenbrock', steps=20, grid=(1e3, 1e4))
    assert best.lr == 1e3 and best.searched and all(math.isinf(score) for _, score in best.searched)


def test_gallery_selection():
    names = first_order_optimizers()
    assert {'adamw', 'adabelief', 'radabelief', 'lion'} <= set(names)
    for excluded in ('lbfgs', 'sparseadam', 'alig', 'adahessian', 'sophiah'):
        assert excluded not in names
        assert skip_reason(excluded)
    assert skip_reason('adamw') is None


def _args(*argv: str) -> argparse.Namespace:
    return add_plot_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def test_plot_command_writes_one_png_per_optimizer(tmp_path, capsys):
    pytest.importorskip('matplotlib')
    out = tmp_path / 'pictures'
    assert cmd_plot(_args('AdamW', 'lion', '--function', 'himmelblau', '--out', str(out), '--steps', '15')) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == ['himmelblau_adamw.png', 'himmelblau_lion.png']
    assert all((out / f).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' for f in files)
    assert 'final loss' in capsys.readouterr().out
    assert cmd_plot(_args('sgd', '--lr', '0.01', '--out', str(out), '--steps', '5')) == 0
    assert (out / 'rosenbrock_sgd.png').exists()


def test_plot_command_rejects_unknown_names_before_running(tmp_path):
    pytest.importorskip('matplotlib')
    with pytest.raises(ValueError, match='adamw'):
        cmd_plot(_args('adamw', 'adamq', '--out', str(tmp_path)))
    assert not any(tmp_path.iterdir())
    with pytest.raises(SystemExit):
        _args('adamw', '--function', 'nope')
