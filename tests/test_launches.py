"""Off CPU, an update's kernel launches must not scale with the number of tensors.

On CUDA each op called from Python costs ~5-20 us of host time, so a Python loop over 200 tensors turns a
0.8 ms step into tens of ms (measured on an H100). ``benchmarks.launch_count`` runs a step on the meta
device, which takes the same code path as CUDA, and counts the ops: no GPU needed.
"""

from __future__ import annotations

import pytest

from benchmarks.launch_count import NO_LAUNCH, count
from pytorch_optimizer.base.optimizer import signature_defaults
from pytorch_optimizer.registry import OPTIMIZERS

ELEMENTWISE = sorted(k for k, e in OPTIMIZERS.entries.items() if not e.external and e.cls.elementwise)


def launches(key: str, **options) -> int:
    return sum(n for name, n in count(key, **options).items() if name not in NO_LAUNCH)


@pytest.mark.parametrize('key', ELEMENTWISE)
def test_an_elementwise_update_launches_a_constant_number_of_kernels(key):
    cls = OPTIMIZERS.entry(key).cls
    defaults = signature_defaults(cls)  # flags that make the update non-elementwise (Ranger's use_gc) off
    options = {flag: False for flag in cls.non_elementwise_flags if defaults.get(flag)}
    assert launches(key, **options) <= 50, f'{key}: a loop over the 200 tensors off CPU'


def test_a_loop_over_tensors_is_seen():
    assert launches('lion', foreach=False) >= 4 * 200  # one batch per tensor: each op launches 200 times


COUNTED = sorted(k for k, e in OPTIMIZERS.entries.items() if not e.external and k not in ('newton', 'newtonsummary'))


@pytest.mark.parametrize('key', [k for k in COUNTED if 'weight_decay' in signature_defaults(OPTIMIZERS.entry(k).cls)])
def test_weight_decay_adds_no_loop_over_tensors(key):
    """Coupled (L2) and decoupled weight decay add a few launches off CPU, not one per tensor (40 here)."""
    try:
        base = launches(key, tensors=40)
    except Exception as error:  # needs a closure or Hessian-vector products
        pytest.skip(f'not counted: {error!r:.60}')
    coupled = {'weight_decouple': False} if 'weight_decouple' in signature_defaults(OPTIMIZERS.entry(key).cls) else {}
    for options in ({'weight_decay': 0.1, **coupled}, {'weight_decay': 0.1}):
        assert launches(key, tensors=40, **options) <= base + 20, f'{key} with {options}: a loop over the tensors'


@pytest.mark.parametrize('key', COUNTED)
def test_no_host_reads_off_cpu(key):
    """No ``.item()`` off CPU (a host sync on CUDA). A 0-d tensor passed where a foreach op also takes a Python
    number (``torch._foreach_add_(xs, t)``) binds as a number through ``.item()``: such calls need ``alpha=`` or
    a list of tensors."""
    try:
        reads = count(key, tensors=40)['_local_scalar_dense']
    except Exception as error:  # needs a closure or Hessian-vector products
        pytest.skip(f'not counted: {error!r:.60}')
    assert reads == 0, f'{key}: {reads} host reads per step'
