"""CUDA checks for every registered optimizer (skipped without a GPU).

On CUDA the default (``foreach=None``) batches per (device, dtype); these tests check that path
against the per-tensor one and against the same optimizer on CPU (float64), that bf16 steps stay
finite; and ``fused=True`` (Triton kernels) against eager, without recompiling after the first steps.
"""

import pytest
import torch

from pytorch_optimizer.registry import OPTIMIZERS
from tests.cases import CASES
from tests.contract_utils import accepts, build, make_params, make_targets, run

pytestmark = pytest.mark.cuda
if not torch.cuda.is_available():
    pytest.skip('needs a CUDA device', allow_module_level=True)

FIRST = [pytest.param(key, cases[0], id=key) for key, cases in sorted(CASES.items()) if cases]


def _to(params, device, dtype=None):
    return [torch.nn.Parameter(p.detach().to(device=device, dtype=dtype or p.dtype)) for p in params]


def _skip_unsupported(key, case):
    cls = OPTIMIZERS.entry(key).cls
    if key == 'sparseadam':
        pytest.skip('SparseAdam accepts only sparse gradients')
    if key == 'lbfgs':
        pytest.skip('torch.optim.LBFGS flattens with .view(), which fails on the non-contiguous test parameter')
    return cls


@pytest.mark.parametrize(('key', 'case'), FIRST)
def test_cuda_default_batching_matches_per_tensor_and_cpu(key, case):
    _skip_unsupported(key, case)
    cpu = make_params()
    targets = make_targets(cpu)
    opt_cpu = build(key, case, cpu)
    run(opt_cpu, cpu, targets)
    results = []
    for foreach in ((None, False) if accepts(key, 'foreach') else (None,)):
        params = _to(make_params(), 'cuda')
        kwargs = {} if foreach is None else {'foreach': foreach}
        opt = build(key, case, params, **kwargs)
        run(opt, params, [t.cuda() for t in targets])
        results.append(params)
    for params in results:
        for i, (a, b) in enumerate(zip(params, cpu)):
            torch.testing.assert_close(
                a.detach().cpu(), b.detach(), rtol=1e-9, atol=1e-10, msg=lambda m, i=i: f'{i}: {m}'
            )


@pytest.mark.parametrize(('key', 'case'), FIRST)
def test_cuda_bf16_steps_stay_finite(key, case):
    _skip_unsupported(key, case)
    if 'bf16' in case.skip:
        pytest.skip(case.skip['bf16'])
    params = _to(make_params(), 'cuda', torch.bfloat16)
    opt = build(key, case, params)
    run(opt, params, [t.to('cuda', torch.bfloat16) for t in make_targets(params)])
    for p in params:
        assert p.dtype == torch.bfloat16 and torch.isfinite(p).all()


FUSED = sorted(key for key, entry in OPTIMIZERS.entries.items() if not entry.external and entry.cls.elementwise)


@pytest.mark.parametrize('key', FUSED)
def test_cuda_fused_matches_eager_and_does_not_recompile(key, monkeypatch):
    """fused=True on CUDA (Triton kernels) against the eager CUDA default, float32, through the contract
    schedule; later steps (a new learning rate) must not recompile. The test's parameters are small:
    the size under which CUDA parameters take the eager update is lowered so that they are compiled."""
    from pytorch_optimizer.base import fused
    from tests.test_fused import check_fused_matches_eager

    monkeypatch.setattr(fused, 'ACCELERATOR_MIN_NUMEL', 2)
    check_fused_matches_eager(key, 'cuda')
