"""``BaseOptimizer.scratch``: per-step temporaries reused between steps on CPU, never saved."""

from __future__ import annotations

import pickle

import torch

from pytorch_optimizer import AdaBelief
from pytorch_optimizer.base import functional as F


def test_cpu_buffers_are_reused_and_grow_to_the_largest_tensor():
    store: dict = {}
    first = F.scratch(store, [torch.ones(2, 3), torch.ones(4)], 'u')
    assert [t.shape for t in first] == [(2, 3), (4,)]
    again = F.scratch(store, [torch.ones(7), torch.ones(2)], 'u')
    assert again[1].data_ptr() == first[1].data_ptr()  # position 1 fits in its buffer: the same memory
    assert store['u', 0, torch.float32].numel() == 7  # position 0 grew
    assert F.scratch(store, [torch.ones(3)], 'u')[0].data_ptr() == again[0].data_ptr()  # and never shrinks
    other = F.scratch(store, [torch.ones(2, 3)], 'v')  # another slot never aliases the first
    assert other[0].data_ptr() not in {t.data_ptr() for t in again}
    assert F.scratch(store, [torch.ones(2, dtype=torch.float64)], 'u')[0].dtype == torch.float64


def test_views_are_cached_per_shapes_and_dropped_when_a_buffer_grows():
    store: dict = {}
    first = F.scratch(store, [torch.ones(2, 3), torch.ones(4)], 'u')
    again = F.scratch(store, [torch.ones(2, 3), torch.ones(4)], 'u')
    assert again is not first and all(a is b for a, b in zip(first, again))  # the same views, a new list
    F.scratch(store, [torch.ones(9)], 'u')  # position 0 grows: cached views of the old buffer go
    after = F.scratch(store, [torch.ones(2, 3), torch.ones(4)], 'u')
    assert after[0].data_ptr() == store['u', 0, torch.float32].data_ptr() and after[0].shape == (2, 3)


def test_scratch_is_not_state_and_survives_pickling():
    p = torch.nn.Parameter(torch.ones(3))
    opt = AdaBelief([p])
    opt.scratch([p], 'tmp')
    assert opt.scratch_nbytes() == 12 and 'tmp' not in str(opt.state_dict())
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.scratch_nbytes() == 0 and clone.scratch([p], 'tmp')[0].shape == (3,)
