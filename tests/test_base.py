import copy
import pickle

import pytest
import torch
from torch import nn

import pytorch_optimizer as po
from pytorch_optimizer.base.validation import check_betas


def _params():
    return [nn.Parameter(torch.randn(3, 2)), nn.Parameter(torch.randn(2))]


def test_messages_name_class_argument_and_value():
    with pytest.raises(ValueError, match=r'AdamP: betas\[0\] must be in \[0, 1\), got 1.5'):
        po.AdamP(_params(), betas=(1.5, 0.999))
    with pytest.raises(ValueError, match='AdaBelief: betas must have 2 entries, got 3'):
        po.AdaBelief(_params(), betas=(0.9, 0.99, 0.9))
    with pytest.raises(TypeError, match="Lion: weight_decouple must be True or False, got 'false'"):
        po.Lion(_params(), weight_decouple='false')
    with pytest.raises(TypeError, match="Lion: foreach must be True or False, got 'yes'"):
        po.Lion(_params(), foreach='yes')
    with pytest.raises(TypeError, match='unexpected keyword'):
        po.Lion(_params(), betaz=(0.9, 0.9))
    assert check_betas('X', [0.9, 1.0], allow_one=(1,)) == (0.9, 1.0)


def test_duplicate_parameters_and_bad_group_overrides_raise():
    p = nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match='same parameter twice'):
        po.Lion([p, p])
    with pytest.raises(ValueError, match=r'Lion: lr must be in \[0, inf\), got -0.1'):
        po.Lion([{'params': [p], 'lr': -0.1}])


def test_old_checkpoint_without_new_keys_loads_with_defaults():
    p = nn.Parameter(torch.randn(3))
    opt = po.AdaBelief([p])
    p.grad = torch.ones(3)
    opt.step()
    state = opt.state_dict()
    for group in state['param_groups']:
        del group['cautious'], group['adanorm']  # a checkpoint written before these flags existed
    fresh = po.AdaBelief([p])
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]['cautious'] is False and fresh.param_groups[0]['adanorm'] is False
    fresh.step()


def test_unpickled_optimizer_from_older_version_gets_defaults():
    p = nn.Parameter(torch.randn(3))
    opt = po.Lion([p])
    blob = opt.__getstate__()
    del blob['defaults']['cautious']
    for group in blob['param_groups']:
        del group['cautious']
    restored = po.Lion.__new__(po.Lion)
    restored.__setstate__(copy.deepcopy(blob))
    assert restored.defaults['cautious'] is False and restored.param_groups[0]['cautious'] is False


def test_group_step_is_one_clock_per_group_and_pickles():
    a, b = nn.Parameter(torch.randn(2)), nn.Parameter(torch.randn(2))
    opt = po.AdamP([{'params': [a]}, {'params': [b], 'lr': 0.1}])
    a.grad = torch.ones(2)
    opt.step()
    assert [g['step'] for g in opt.param_groups] == [1, 0]
    assert pickle.loads(pickle.dumps(opt)).param_groups[0]['step'] == 1


def test_foreach_batches_by_device_and_dtype():
    params = [
        nn.Parameter(torch.randn(2)),
        nn.Parameter(torch.randn(2, dtype=torch.float64)),
        nn.Parameter(torch.randn(3)),
    ]
    opt = po.Lion(params, foreach=True)
    assert sorted(map(len, opt._batches(opt.param_groups[0], params))) == [1, 2]
    opt = po.Lion(params, foreach=False)
    assert opt._batches(opt.param_groups[0], params) == [[0], [1], [2]]
    opt = po.Lion(params)  # default on CPU: whole tensors of one dtype in cache-sized batches
    assert opt._batches(opt.param_groups[0], params) == [[0, 2], [1]]
    opt.cache_chunk = 4
    big = params + [nn.Parameter(torch.randn(5))]
    assert opt._batches(opt.param_groups[0], big) == [[0], [2], [3], [1]]


def _count_update_batches(opt) -> list[int]:
    """The number of tensors of every ``_update`` call of ``opt``, appended as it steps."""
    sizes, update = [], type(opt)._update

    def spy(group, params, *args, **kwargs):
        sizes.append(len(params))
        return update(opt, group, params, *args, **kwargs)

    opt._update = spy
    return sizes


@pytest.mark.parametrize('key', ['lion', 'lamb', 'adamp'])
def test_default_off_cpu_runs_one_batch_per_device_and_dtype(key):
    """``foreach=None`` on an accelerator (here the meta device) is one ``_update`` per (device, dtype),
    not one per tensor (which made the default step 5-50x slower on CUDA); ``foreach=False`` per tensor."""
    for foreach, expected in ((None, [2, 1]), (False, [1, 1, 1])):
        dtypes = (torch.float32, torch.float64, torch.float32)
        params = [nn.Parameter(torch.zeros(4, 3, device='meta', dtype=d)) for d in dtypes]
        for p in params:
            p.grad = torch.zeros_like(p)
        opt = po.load_optimizer(key)(params, foreach=foreach)
        sizes = _count_update_batches(opt)
        opt.step()
        assert sizes == expected


def test_plugins_and_hooks_work_on_zoo_optimizers():
    p = nn.Parameter(torch.randn(4, 3))
    opt = po.Lion([p], lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda *args: calls.append('pre'))
    handle = po.attach_gc(opt)
    p.grad = torch.randn(4, 3)
    opt.step()
    assert calls == ['pre'] and torch.allclose(p.grad.mean(dim=1), torch.zeros(4), atol=1e-6)
    handle.remove()
    assert len(opt._optimizer_step_pre_hooks) == 1


@pytest.mark.parametrize('batched', [False, True], ids=['per-tensor', 'one-bucket'])
def test_all_finite_and_zero_unless(batched, monkeypatch):
    """Both forms: per tensor (CPU) and the batched one used for a single CUDA bucket (forced here)."""
    from pytorch_optimizer.base import functional as F

    monkeypatch.setattr(F, 'host_flag', lambda ok: None)  # the device-side mask, as off CPU
    if batched:
        monkeypatch.setattr(F, 'cuda_bucket', bool)  # a non-empty list
    finite = [torch.ones(3), torch.zeros(2, 2), torch.empty(0)]
    assert F.all_finite(finite) and F.all_finite([torch.empty(0)])
    for bad in (float('nan'), float('inf'), -float('inf')):
        assert not F.all_finite([*finite, torch.tensor([1.0, bad])])
    assert [float(v) for v in F.max_abs([torch.tensor([1.0, -3.0]), torch.tensor([[2.0]])])] == [3.0, 2.0]
    assert torch.isnan(F.max_abs([torch.tensor([1.0, float('nan')]), torch.ones(2)])[0])
    grads = [torch.randn(2, 3), torch.tensor([float('nan'), 1.0]), torch.empty(0)]
    for ok, expected in ((True, grads), (False, [torch.zeros_like(g) for g in grads])):
        masked = F.zero_unless(torch.tensor(ok), grads)
        for m, e in zip(masked, expected):
            assert m.shape == e.shape and torch.equal(m.nan_to_num(7.0), e.nan_to_num(7.0))


@pytest.mark.parametrize('batched', [False, True], ids=['per-tensor', 'one-bucket'])
def test_snapshot_and_undo_unless(batched, monkeypatch):
    from pytorch_optimizer.base import functional as F

    if batched:
        monkeypatch.setattr(F, 'cuda_bucket', bool)
    for ok in (True, False):
        tensors = [torch.randn(2, 3), torch.randn(4), torch.randn(3, 1).t()]
        original = [t.clone() for t in tensors]
        before = F.snapshot(tensors)
        assert isinstance(before, torch.Tensor) == batched
        torch._foreach_mul_(tensors, 2.0)
        F.undo_unless_(tensors, before, torch.tensor(ok))
        for t, o in zip(tensors, original):
            assert torch.equal(t, o * 2.0 if ok else o)


def test_all_finite_and_ordered_sum():
    from pytorch_optimizer.base import functional as F

    assert F.all_finite([torch.full((2,), 6e4, dtype=torch.float16), torch.ones(2, dtype=torch.float64)])
    # mixed dtypes: each partial is cast to the requested dtype before the sum (exactly, as a loop would)
    partials = [torch.tensor(0.1, dtype=torch.float64), torch.tensor(1.5, dtype=torch.bfloat16), torch.tensor(3e-8)]
    for dtype in (torch.float32, torch.float64):
        expected = torch.stack([v.to(dtype) for v in partials]).sum()
        total = F.ordered_sum(partials, dtype)
        assert total.dtype == dtype and torch.equal(total, expected)


def test_cpu_scalar_gives_the_same_bits_as_a_python_float():
    from pytorch_optimizer.base import functional as F

    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        x = torch.randn(1000, generator=torch.Generator().manual_seed(0)).to(dtype)
        for value in (0.999, 1.0 / 3.0, 1e-3 * (2**0.5)):
            scalar = F.cpu_scalar(value, x)
            assert isinstance(scalar, torch.Tensor) and scalar.dim() == 0
            assert torch.equal(x.clone().mul_(value), x.clone().mul_(scalar))
            assert torch.equal(x.clone().div_(value), x.clone().div_(scalar))
    assert F.cpu_scalar(0.5, torch.ones(2, device='meta')) == 0.5  # other devices keep the float


@pytest.mark.parametrize('with_out', [False, True])
def test_centralize_gradients_as_stacks_matches_per_tensor(with_out, monkeypatch):
    """The stacked form (a CUDA bucket; forced here) against the per-tensor one, with repeated shapes."""
    from pytorch_optimizer.base import functional as F

    shapes = [(4, 3), (5,), (4, 3), (2, 3, 2), (4, 3), (2, 3, 2)]
    grads = [torch.randn(s, dtype=torch.float64) for s in shapes]
    expected = F.centralize_gradients(grads)
    monkeypatch.setattr(F, 'cuda_bucket', lambda ts: bool(ts))
    monkeypatch.setattr(F, 'STACK_NUMEL', 24)  # two (4, 3) per stack: chunks of several and of one
    out = [torch.empty_like(g) for g in grads] if with_out else None
    result = F.centralize_gradients(grads, out=out)
    for i, (r, e) in enumerate(zip(result, expected)):
        torch.testing.assert_close(r, e, rtol=1e-14, atol=1e-15)
        assert (r is grads[i]) == (grads[i].dim() == 1)
        if with_out and grads[i].dim() > 1:
            assert r is out[i]


def test_stacked_matches_per_tensor(monkeypatch):
    from pytorch_optimizer.base import functional as F

    xs = [torch.randn(s, dtype=torch.float64) for s in [(4, 3), (2, 5), (4, 3), (4, 3), (7,)]]
    ys = [torch.randn(x.shape[-1] if x.dim() == 1 else (1, x.shape[-1]), dtype=torch.float64) for x in xs]
    ys[3] = torch.randn(1, 4, dtype=torch.float64)  # same x shape, another y shape: a stack of its own
    fn = lambda x, y: (x[..., :1] * y).mean(dim=-1, keepdim=True)  # noqa: E731
    expected = [fn(x, y) for x, y in zip(xs, ys)]
    monkeypatch.setattr(F, 'cuda_bucket', lambda ts: bool(ts))
    monkeypatch.setattr(F, 'STACK_NUMEL', 24)  # (4, 3): stacks of two and of one
    assert F.stacked(fn, [], []) == []
    for r, e in zip(F.stacked(fn, xs, ys), expected):
        torch.testing.assert_close(r, e, rtol=1e-14, atol=0.0)


def test_flatten_cat_and_unflatten_round_trip():
    from pytorch_optimizer.base import functional as F

    base = torch.arange(24.0)
    shapes = [base[:6].view(2, 3), base[6:18].view(3, 4).t(), base[18:21]]  # a transposed (non-contiguous) one
    for tensors in (shapes, [*shapes, torch.tensor(5.0)], [*shapes, torch.empty(0, 3)]):  # + a 0-d, an empty one
        flat = F.flatten_cat(tensors)
        assert torch.equal(flat, torch.cat([t.reshape(-1) for t in tensors]))
        back = F.unflatten(flat, tensors)
        assert all(b.shape == t.shape and torch.equal(b, t) for b, t in zip(back, tensors))
        assert all(b.data_ptr() >= flat.data_ptr() for b in back if b.numel())  # views of flat, not copies
