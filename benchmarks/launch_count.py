"""Kernel launches per step off CPU, without a GPU: ``python -m benchmarks.launch_count [KEY ...]``.

Each optimizer's default step runs on the ``small`` workload (200 tensors) on the meta device, which
takes the off-CPU code path (one batch per device and dtype, as on CUDA) without computing anything;
a dispatch mode counts the aten ops called from Python (a foreach op counts once). On CUDA each is a
kernel launch costing ~5-20 us of host time, so a count that scales with the 200 tensors (a Python
loop over tensors) is what makes a small-tensor step slow there. ``host reads`` counts
``.item()``-style reads (host syncs on CUDA). Deterministic; optimizers that need a closure or
Hessian-vector products are skipped.
"""

from __future__ import annotations

import collections
import inspect
import sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from benchmarks.step import WORKLOADS

# views and allocations: no kernel
NO_LAUNCH = {'detach', 'view', '_unsafe_view', 'alias', 'empty', 'empty_like', 'empty_strided', 'lift_fresh', 't'}
NO_LAUNCH |= {'select', 'slice', 'unsqueeze', 'squeeze', 'permute', 'transpose', 'expand', 'unbind', 'as_strided'}
NO_LAUNCH |= {'split', 'split_with_sizes', 'view_as_real', 'reshape', 'flatten'}


class Count(TorchDispatchMode):
    """Counts aten ops by name (the mode is off inside each op, so a foreach op's parts are not seen)."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: collections.Counter = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        self.ops[name] += 1
        if name == '_local_scalar_dense':  # meta tensors hold no values: a host read, counted
            return 0.5
        try:
            return func(*args, **(kwargs or {}))
        except RuntimeError as error:  # meta's foreach ops with a 0-d tensor scalar call .item() (CUDA's do not)
            if 'item()' not in str(error) or not name.startswith('_foreach'):
                raise
            return None if name.endswith('_') else [torch.empty_like(t) for t in args[0]]


def count(key: str, tensors: int = 200, **options) -> collections.Counter:
    """aten ops of one step of ``key`` with ``options`` (after three warm-up steps) on the meta device, for
    the first ``tensors`` parameters of the small workload."""
    import pytorch_optimizer as po

    params = [torch.nn.Parameter(torch.zeros(s, device='meta')) for s in WORKLOADS['small'][:tensors]]
    for p in params:
        p.grad = torch.zeros(p.shape, device='meta')
    factory = po.load_optimizer(key)
    kwargs = {'num_iterations': 1000} if 'num_iterations' in inspect.signature(factory).parameters else {}
    opt = factory(params, **kwargs, **options)
    with Count():  # warm-up through the mode too (see Count)
        for _ in range(3):
            opt.step()
    with Count() as mode:
        opt.step()
    return mode.ops


def main(argv: list[str]) -> None:
    import pytorch_optimizer as po

    keys = argv or sorted(k for k, e in po.OPTIMIZERS.entries.items() if not e.external)
    print(f"{'optimizer':<20} {'launches':>8}  most frequent")
    for key in keys:
        try:
            ops = count(key)
        except Exception as error:  # needs a closure or Hessian-vector products
            print(f'{key:<20} {"-":>8}  not counted: {error!r:.80}')
            continue
        total = sum(n for name, n in ops.items() if name not in NO_LAUNCH)
        top = ', '.join(f'{name} {n}' for name, n in ops.most_common() if n >= 50 and name not in NO_LAUNCH)
        reads = ops['_local_scalar_dense']
        print(f'{key:<20} {total:>8}  {top}' + (f'  (host reads {reads})' if reads else ''))


if __name__ == '__main__':
    main(sys.argv[1:])
