"""Start a real process group (gloo, CPU, loopback) from a test, bounded in time and cleaned up.

:func:`spawn` runs ``scenario(rank, world_size, workdir, payload)`` (a module-level function, so the
``spawn`` start method can import it) in ``world_size`` fresh processes joined into one gloo group
through a file store, and returns what each rank returned. A rank that raises fails the call with
its traceback; a run past ``timeout`` kills every process and raises ``TimeoutError``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

WORLD_SIZE = 2


def _entry(rank: int, scenario: Callable, world_size: int, workdir: str, payload: Any) -> None:
    torch.set_num_threads(1)
    if 'GLOO_SOCKET_IFNAME' not in os.environ and os.path.exists('/sys/class/net/lo'):
        os.environ['GLOO_SOCKET_IFNAME'] = 'lo'  # loopback only: the test never leaves the machine
    dist.init_process_group(
        'gloo', init_method=f'file://{workdir}/store', rank=rank, world_size=world_size, timeout=_timedelta(120)
    )
    try:
        result = scenario(rank, world_size, workdir, payload)
        torch.save(result, os.path.join(workdir, f'result{rank}.pt'))
    finally:
        dist.destroy_process_group()


def _timedelta(seconds: float):
    import datetime

    return datetime.timedelta(seconds=seconds)


def spawn(scenario: Callable, payload: Any, world_size: int = WORLD_SIZE, timeout: float = 240.0) -> list[Any]:
    """Run ``scenario`` on ``world_size`` gloo ranks and return each rank's result (index = rank)."""
    with tempfile.TemporaryDirectory(prefix='pyopt_dist_') as workdir:
        context = mp.start_processes(
            _entry, args=(scenario, world_size, workdir, payload), nprocs=world_size, join=False, start_method='spawn'
        )
        deadline = time.monotonic() + timeout
        try:
            while not context.join(timeout=1.0):  # raises ProcessRaisedException / ProcessExitedException
                if time.monotonic() > deadline:
                    raise TimeoutError(f'{scenario.__name__}: {world_size} ranks still running after {timeout:.0f}s')
        finally:
            for process in context.processes:
                if process.is_alive():
                    process.kill()
                process.join(timeout=10)
        return [torch.load(os.path.join(workdir, f'result{r}.pt'), weights_only=False) for r in range(world_size)]
