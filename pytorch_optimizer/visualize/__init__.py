"""Test functions and optimizer trajectory plots (plots need the ``viz`` extra: matplotlib)."""

from pytorch_optimizer.visualize.functions import FUNCTIONS, TestFunction, get_function
from pytorch_optimizer.visualize.plot import (
    LR_GRID,
    Trajectory,
    add_plot_arguments,
    cmd_plot,
    first_order_optimizers,
    plot_optimizer,
    plot_trajectory,
    run,
    search_lr,
    skip_reason,
)

__all__ = [
    'FUNCTIONS',
    'LR_GRID',
    'TestFunction',
    'Trajectory',
    'add_plot_arguments',
    'cmd_plot',
    'first_order_optimizers',
    'get_function',
    'plot_optimizer',
    'plot_trajectory',
    'run',
    'search_lr',
    'skip_reason',
]
