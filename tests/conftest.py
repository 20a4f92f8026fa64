"""Suite-wide settings: one intra-op thread (the tensors here are tiny; on a loaded 2-core machine
torch's default thread pool makes them orders of magnitude slower)."""

import pytest
import torch


@pytest.fixture(autouse=True, scope='session')
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
