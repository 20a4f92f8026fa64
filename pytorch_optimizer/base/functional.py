"""Tensor-list pieces used by two or more optimizers.

Every function works on lists of tensors with ``torch._foreach_*`` ops, never reads a tensor's value
on the host, and computes step-only scalars as Python floats (0-d tensors on the fused path: ``base/fused.py``).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import torch
from torch import Tensor


def apply_weight_decay(
    params: list[Tensor],
    grads: list[Tensor],
    lr: float | Tensor,
    weight_decay: float,
    weight_decouple: bool,
    fixed_decay: bool = False,
) -> list[Tensor]:
    r"""Weight decay in its three forms.

    * decoupled (Loshchilov & Hutter, AdamW): :math:`\theta \leftarrow \theta (1 - \eta\lambda)`;
    * fixed (decoupled, independent of the lr): :math:`\theta \leftarrow \theta (1 - \lambda)`;
    * coupled (L2): returns a new list :math:`g + \lambda\theta`; the input gradients are untouched.

    Returns:
        the gradients the update should use.
    """
    if weight_decay == 0.0:
        return grads
    if weight_decouple:
        torch._foreach_mul_(params, 1.0 - weight_decay * (1.0 if fixed_decay else lr))
        return grads
    return torch._foreach_add(grads, params, alpha=weight_decay)


def add_scaled_(tensors: list[Tensor], others: list[Tensor], alpha: float | Tensor | list[Tensor]) -> None:
    """``tensors += alpha * others`` in place, with ``alpha`` a float (eager), a 0-d tensor (fused path) or
    one 0-d tensor per tensor (a broadcast ``addcmul_``, no temporary)."""
    if isinstance(alpha, (list, tuple)):
        torch._foreach_addcmul_(tensors, others, list(alpha))
    elif isinstance(alpha, Tensor):
        torch._foreach_add_(tensors, torch._foreach_mul(others, alpha))
    else:
        torch._foreach_add_(tensors, others, alpha=alpha)


def addcdiv_scaled_(tensors: list[Tensor], numer: list[Tensor], denom: list[Tensor], value: float | Tensor) -> None:
    """``tensors += value * numer / denom`` in place, ``value`` a float (eager) or a 0-d tensor (fused
    path, where ``addcdiv_``'s ``value=`` takes no tensor: ``numer`` is scaled first, a temporary)."""
    if isinstance(value, Tensor):
        torch._foreach_addcdiv_(tensors, torch._foreach_mul(numer, value), denom)
    else:
        torch._foreach_addcdiv_(tensors, numer, denom, value=value)


def adaptive_step_(
    params: list[Tensor],
    grads: list[Tensor],
    numer: list[Tensor],
    denom: list[Tensor] | None,
    step_size: float | Tensor,
    cautious: bool,
) -> None:
    """``params -= step_size * numer / denom``, or ``step_size * numer`` when ``denom`` is ``None`` (a
    rectified optimizer's un-preconditioned phase); with ``cautious`` the update is masked against the
    gradients first (a new list: ``numer`` is state and is never masked in place)."""
    if cautious:
        update = torch._foreach_div(numer, denom) if denom is not None else [m.clone() for m in numer]
        cautious_(update, grads)
        add_scaled_(params, update, -step_size)
    elif denom is not None:
        addcdiv_scaled_(params, numer, denom, -step_size)
    else:
        add_scaled_(params, numer, -step_size)


def rectification(
    beta2: float, step: int, n_sma_threshold: int = 5, degenerated_to_sgd: bool = True
) -> tuple[float, bool]:
    r"""RAdam's variance rectification (Liu et al., 2020, https://arxiv.org/abs/1908.03265).

    .. math::
        \rho_\infty = \frac{2}{1-\beta_2} - 1, \quad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}, \quad
        r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}

    Returns:
        ``(r_t, True)`` when :math:`\rho_t \ge` ``n_sma_threshold`` (rectified adaptive step);
        otherwise ``(1.0, False)`` with ``degenerated_to_sgd`` (an un-preconditioned momentum step)
        or ``(0.0, False)`` (no step while the variance is intractable).
    """
    beta2_t = math.pow(beta2, step)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * step * beta2_t / (1.0 - beta2_t)
    if rho_t >= n_sma_threshold:
        return math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)), True
    return (1.0 if degenerated_to_sgd else 0.0), False


def adam_step_scalars(group: dict) -> dict:
    r"""Per-step scalars of an Adam-type update with optional rectification (AdaBelief, DiffGrad).

    From the group's ``betas``, ``step``, ``lr``, ``adam_debias``, ``rectify``, ``n_sma_threshold`` and
    ``degenerated_to_sgd``: ``step_size`` :math:`= \eta / (1-\beta_1^t)` (times :math:`r_t` when
    rectified), ``adaptive`` (False while the rectified variance is intractable), ``skip`` (no step at
    all) and ``bias_correction2_sqrt`` :math:`= \sqrt{1-\beta_2^t}`; floats for ``_prepare``.
    """
    beta1, beta2 = group['betas'][:2]
    step, lr = group['step'], group['lr']
    step_size = lr if group['adam_debias'] else lr / (1.0 - beta1**step)
    adaptive = True
    if group['rectify']:
        r_t, adaptive = rectification(beta2, step, group['n_sma_threshold'], group['degenerated_to_sgd'])
        step_size *= r_t
    return {
        'lr': lr,
        'step_size': step_size,
        'adaptive': adaptive,
        'skip': step_size == 0.0,
        'bias_correction2_sqrt': math.sqrt(1.0 - beta2**step),
    }


def cautious_(updates: list[Tensor], grads: list[Tensor]) -> None:
    r"""Cautious masking (Liang et al., 2024, https://arxiv.org/abs/2411.16085), in place.

    Zero the coordinates whose update disagrees in sign with the gradient and rescale the rest by
    the inverse fraction kept, per tensor, so the update's scale is preserved:

    .. math::
        \phi = \mathbb{1}[u \odot g > 0], \quad u \leftarrow u \odot \phi \,/\, \max(\mathrm{mean}(\phi), 10^{-3})
    """
    masks = torch._foreach_mul(updates, grads)
    torch._foreach_sign_(masks)
    torch._foreach_clamp_min_(masks, 0.0)
    fractions = torch._foreach_norm(masks, 1)
    torch._foreach_div_(fractions, [float(max(m.numel(), 1)) for m in masks])
    torch._foreach_clamp_min_(fractions, 1e-3)
    torch._foreach_div_(masks, fractions)
    torch._foreach_mul_(updates, masks)


def adanorm_grads(grads: list[Tensor], exp_grad_norms: list[Tensor], r: float) -> list[Tensor]:
    r"""AdaNorm gradient-norm correction (Dubey et al., 2023, https://arxiv.org/abs/2210.06364).

    .. math::
        e_t = r e_{t-1} + (1 - r)\lVert g_t \rVert, \quad
        s_t = \frac{e_t}{\lVert g_t \rVert} g_t \ \text{if}\ e_t > \lVert g_t \rVert\ \text{else}\ g_t

    Updates ``exp_grad_norms`` (0-d state) in place and returns new corrected gradients.
    """
    return torch._foreach_mul(grads, adanorm_scales(grads, exp_grad_norms, r))


def adanorm_scales(grads: list[Tensor], exp_grad_norms: list[Tensor], r: float) -> list[Tensor]:
    """The factors :math:`s_t / g_t` of :func:`adanorm_grads` as 0-d tensors (``exp_grad_norms`` updated in
    place), for an update that folds them into an op it runs anyway instead of a corrected copy."""
    norms = torch._foreach_norm(grads)
    torch._foreach_lerp_(exp_grad_norms, norms, 1.0 - r)
    # a zero gradient keeps scale e (0 * e = 0) instead of 0 * inf = NaN
    return [torch.where(e > n, e / torch.where(n > 0, n, 1.0), 1.0) for e, n in zip(exp_grad_norms, norms)]


def centralize_gradients(
    grads: list[Tensor], gc_conv_only: bool = False, out: list[Tensor] | None = None
) -> list[Tensor]:
    r"""Gradient centralization (Yong et al., 2020, https://arxiv.org/abs/2004.01461), out of place.

    For every gradient with more than one dimension (more than three with ``gc_conv_only``) subtract
    its mean over all dimensions but the first: :math:`g \leftarrow g - \mathrm{mean}_{1..}(g)`. Centered
    gradients are new tensors, or written into ``out`` (e.g. :meth:`BaseOptimizer.scratch` buffers, or
    the gradients themselves when they are the caller's own copies); the others are returned as they are.
    On a CUDA bucket same-shaped gradients are centered as stacks (a few launches, not two per tensor).
    """
    min_dim = 3 if gc_conv_only else 1
    out = [None] * len(grads) if out is None else out
    todo = [i for i, g in enumerate(grads) if g.dim() > min_dim]
    if not cuda_bucket([grads[i] for i in todo]):
        return [
            torch.sub(g, g.mean(dim=tuple(range(1, g.dim())), keepdim=True), out=o) if g.dim() > min_dim else g
            for g, o in zip(grads, out)
        ]
    result = list(grads)
    for chunk in shape_chunks([grads[i] for i in todo]):
        idx = [todo[c] for c in chunk]
        stack = torch.stack([grads[i] for i in idx])
        centered = stack.sub_(stack.mean(dim=tuple(range(2, stack.dim())), keepdim=True)).unbind()
        pairs = [(out[i], c) for i, c in zip(idx, centered) if out[i] is not None]
        copy_([o for o, _ in pairs], [c for _, c in pairs])  # one launch into the caller's buffers
        for i, c in zip(idx, centered):
            result[i] = c if out[i] is None else out[i]
    return result


STACK_NUMEL = 1 << 22  # elements of one stack of same-shaped tensors (a transient copy)


def stacked(fn: Callable[..., Tensor], *lists: list[Tensor]) -> list[Tensor]:
    """``[fn(*xs) for xs in zip(*lists)]``; on a CUDA bucket ``fn`` runs once per stack of same-shaped
    entries (the shapes of all lists alike; see :func:`shape_chunks`) and the results are views of its
    result. ``fn`` must act on trailing dimensions only (negative ``dim``; arguments of equal rank, or
    broadcast by ``unsqueeze(-k)``), so that a leading stack dimension passes through."""
    if not cuda_bucket(lists[0]):
        return [fn(*xs) for xs in zip(*lists)]
    results: list[Tensor] = [lists[0][0]] * len(lists[0])
    for idx in shape_chunks(lists[0], keys=[tuple(x.shape for x in xs) for xs in zip(*lists)]):
        for i, r in zip(idx, fn(*(torch.stack([x[i] for i in idx]) for x in lists)).unbind()):
            results[i] = r
    return results


def update_stacked_(fn: Callable[..., None], tensors: list[Tensor], *others: list[Tensor]) -> None:
    """``fn(x, *os)`` in place on stacks of same-shaped ``tensors`` (with the matching entries of ``others``,
    read only; see :func:`shape_chunks`), written back into ``tensors`` by one :func:`copy_`; a contiguous tensor
    alone in its stack is updated through a view. ``fn`` must act on trailing dimensions only."""
    dst, src = [], []
    for idx in shape_chunks(tensors):
        view = len(idx) == 1 and tensors[idx[0]].is_contiguous()
        x, *rest = (
            xs[idx[0]].unsqueeze(0) if view else torch.stack([xs[i] for i in idx]) for xs in (tensors, *others)
        )
        fn(x, *rest)
        if not view:
            dst += [tensors[i] for i in idx]
            src += x.unbind()
    copy_(dst, src)


def shape_chunks(tensors: list[Tensor], per_stack: int | None = None, keys: list | None = None) -> list[list[int]]:
    """Indices of ``tensors`` grouped by shape (or by ``keys``), in chunks of ``per_stack`` tensors (by
    default as many as fit ``STACK_NUMEL`` elements, at least one): the stacks in which same-shaped
    tensors are processed together (one launch per op and stack instead of one per tensor)."""
    groups: dict = {}
    for i, key in enumerate(keys or [t.shape for t in tensors]):
        groups.setdefault(key, []).append(i)
    chunks = []
    for members in groups.values():
        size = per_stack or max(1, STACK_NUMEL // max(tensors[members[0]].numel(), 1))
        chunks += [members[a : a + size] for a in range(0, len(members), size)]
    return chunks


def global_norm(tensors: list[Tensor]) -> Tensor:
    r"""The 2-norm over all tensors of a list, :math:`\sqrt{\sum_i \lVert x_i \rVert^2}`, as a 0-d tensor."""
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(tensors)))


def is_dtensor(tensor: Tensor) -> bool:
    """Whether ``tensor`` is a sharded ``DTensor`` (FSDP2), which cannot be flattened or sliced."""
    module = sys.modules.get('torch.distributed.tensor')  # a DTensor exists only once this is imported
    return module is not None and isinstance(tensor, module.DTensor)


def cpu_scalar(value: float, ref: Tensor) -> float | Tensor:
    """``value`` as a 0-d tensor where ``ref`` is a plain CPU tensor (float64 for float64, else float32), else
    ``value`` itself: CPU's ``mul_``/``div_`` wrap a Python scalar into a tensor for every tensor of a list
    (~1.3 us each, measured); the result has the same bits either way. Compiled code keeps the float."""
    if ref.device.type != 'cpu' or is_dtensor(ref) or torch.compiler.is_compiling():
        return value
    return torch.tensor(value, dtype=torch.float64 if ref.dtype == torch.float64 else torch.float32)


def dots(xs: list[Tensor], ys: list[Tensor]) -> list[Tensor]:
    """Per-tensor dot products :math:`\\sum x y` as 0-d tensors: one pass and no temporary (``torch.dot``
    of the flattened tensors), or a product and a sum for a ``DTensor``. On a float32/float64 CUDA bucket,
    five foreach launches for the whole list instead of one per tensor:
    :math:`\\sum xy = \\lVert xy \\rVert_1 - 2 \\lVert \\min(xy, 0) \\rVert_1` (a plain sum's error bound)."""
    if cuda_bucket(xs) and xs[0].dtype in (torch.float32, torch.float64):
        prods = torch._foreach_mul(xs, ys)
        l1 = torch._foreach_norm(prods, 1)
        torch._foreach_clamp_max_(prods, 0.0)
        return list(torch._foreach_sub(l1, torch._foreach_norm(prods, 1), alpha=2.0))
    return [(x * y).sum() if is_dtensor(x) else torch.dot(x.reshape(-1), y.reshape(-1)) for x, y in zip(xs, ys)]


def nonnegative_sums(tensors: list[Tensor]) -> list[Tensor]:
    """Per-tensor sums of tensors with no negative entry, as 0-d tensors: ``sum()`` each on CPU, elsewhere
    their 1-norms in one ``_foreach_norm`` launch (equal for such tensors)."""
    if tensors[0].device.type == 'cpu' or is_dtensor(tensors[0]):
        return [t.sum() for t in tensors]
    return list(torch._foreach_norm(tensors, 1))


def l1_norms(tensors: list[Tensor], scratch: list[Tensor]) -> list[Tensor]:
    """Per-tensor 1-norms; on CPU ``|x|`` is written into ``scratch`` (dead buffers of the same shapes)
    and summed, ~2x faster than CPU's 1-norm kernel."""
    if tensors[0].device.type != 'cpu' or is_dtensor(tensors[0]):
        return list(torch._foreach_norm(tensors, 1))
    return [torch.abs(x, out=y).sum() for x, y in zip(tensors, scratch)]


def scratch(store: dict, tensors: list[Tensor], slot: str) -> list[Tensor]:
    """Dead buffers shaped like ``tensors`` (contents undefined), for a temporary an update needs every step.

    On CPU (eager, plain tensors) they are views of flat buffers kept in ``store`` under ``(slot, position,
    dtype)`` and reused every step, grown but never shrunk: a fresh temporary of a few MiB is returned to
    the system when freed and page-faults back in on the next step (~1 us per 4 KiB page, several times
    the cost of the pass that fills it); the views themselves are cached per slot and shapes, so callers
    must not resize them (an ``out=`` of another shape). Elsewhere they are fresh ``empty_like`` tensors:
    the CUDA caching allocator already reuses memory, and a compiled update allocates none. Callers never
    keep them.
    """
    if not tensors or tensors[0].device.type != 'cpu' or torch.compiler.is_compiling() or is_dtensor(tensors[0]):
        return [torch.empty_like(t) for t in tensors]
    views = store.setdefault('views', {})  # the views of one call, cached by shapes: a view costs ~4 us
    key = (slot, *[(t.shape, t.dtype) for t in tensors])
    if key not in views:
        if len(views) >= 4096:  # batch layouts that keep changing: start afresh rather than grow
            views.clear()
        out = []
        for i, t in enumerate(tensors):
            buf = store.get((slot, i, t.dtype))
            if buf is None or buf.numel() < t.numel():
                buf = store[slot, i, t.dtype] = torch.empty(t.numel(), dtype=t.dtype)
                views.clear()  # views of the smaller buffer would keep it alive
            out.append(buf[: t.numel()].view(t.shape))
        views[key] = out
    return list(views[key])


def cache_slices(tensors: list[Tensor], chunk: int) -> list[list[Tensor]]:
    """Aligned slices of at most ``chunk`` elements of same-shaped tensors (flat views, so in-place updates
    reach the tensors), for an elementwise update that then stays in cache; ``[tensors]`` itself when they
    are small, not all contiguous, or sharded (a ``DTensor``'s local shard is not a plain view)."""
    if tensors[0].numel() <= chunk or is_dtensor(tensors[0]) or not all(t.is_contiguous() for t in tensors):
        return [tensors]
    flats = [t.view(-1) for t in tensors]
    return [[f[a : a + chunk] for f in flats] for a in range(0, flats[0].numel(), chunk)]


def host_flag(ok: Tensor) -> bool | None:
    """The 0-d bool ``ok`` read on the host where that costs nothing (a CPU tensor, eager), else ``None``:
    the caller then masks on the device, without a host sync."""
    if ok.device.type == 'cpu' and not torch.compiler.is_compiling():
        return bool(ok)
    return None


def zero_unless(ok: Tensor, grads: list[Tensor]) -> list[Tensor]:
    """``grads`` for reading, all zeros when the 0-d bool ``ok`` is False.

    Used by optimizers with a statistic over the whole group: a non-finite gradient anywhere makes the step
    a no-op, and NaN never reaches any parameter's state. Callers never write into the result. On CPU the
    flag is read on the host (there is no device to wait for, and a mask costs a pass over every
    gradient); elsewhere it is a mask, without a host sync.
    """
    flag = host_flag(ok)
    if flag is not None:
        return list(grads) if flag else [torch.zeros_like(g) for g in grads]
    if cuda_bucket(grads):  # one flat masked copy: two launches instead of one ``where`` per tensor
        return unflatten(flatten_cat(grads).masked_fill_(~ok, 0.0), grads)
    return [torch.where(ok, g, 0.0) for g in grads]


def flatten_cat(tensors: list[Tensor]) -> Tensor:
    """The tensors (one dtype and device) flattened and concatenated into a new 1-d tensor: one
    ``torch._chunk_cat`` (no per-tensor Python view, ~1-2 us of host time each) where no tensor is 0-d or
    empty, else ``torch.cat`` of flat views."""
    if hasattr(torch, '_chunk_cat') and all(t.dim() and t.numel() for t in tensors):
        return torch._chunk_cat(tensors, 0, 1).view(-1)
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten(flat: Tensor, like: list[Tensor]) -> list[Tensor]:
    """Views of the 1-d ``flat`` shaped as the tensors of ``like``, in order (the inverse of :func:`flatten_cat`)."""
    return [v.view(t.shape) for v, t in zip(flat.split([t.numel() for t in like]), like)]


def cuda_bucket(tensors: list[Tensor]) -> bool:
    """Whether ``tensors`` are plain tensors of one CUDA device and dtype, outside compiled code (where
    per-tensor ops fuse anyway): the case for which a batched form replaces a loop over tensors. (The meta
    device counts as CUDA: ``benchmarks.launch_count`` runs the CUDA code path there.)"""
    if not tensors or torch.compiler.is_compiling() or is_dtensor(tensors[0]):
        return False
    if tensors[0].device.type not in ('cuda', 'meta'):
        return False
    device, dtype = tensors[0].device, tensors[0].dtype
    return all(t.device == device and t.dtype == dtype for t in tensors)


def max_abs(tensors: list[Tensor]) -> list[Tensor]:
    r"""Per-tensor max-norms :math:`\lVert x \rVert_\infty` as 0-d tensors (NaN for a tensor holding NaN, 0
    for an empty one), from ``aminmax``: one vectorized pass, where CPU's ``inf``-norm is ~20x slower. On a
    CUDA bucket of non-empty tensors, one ``_foreach_norm`` launch (NaN-propagating there)."""
    if cuda_bucket(tensors) and all(t.numel() for t in tensors):
        return list(torch._foreach_norm(tensors, math.inf))
    out = []
    for t in tensors:
        if t.numel() == 0:
            out.append(t.new_zeros(()))
            continue
        low, high = torch.aminmax(t)
        out.append(torch.maximum(low.neg(), high))
    return out


def all_finite(tensors: list[Tensor]) -> Tensor:
    """0-d bool tensor: every entry of every tensor is finite (no overflow, no host sync): NaN reaches both
    the minimum and the maximum of a tensor, and an infinity is one of them. On CUDA the per-tensor max-norms
    of one ``_foreach_norm`` launch (NaN-propagating there, no overflow) replace them."""
    nonempty = [t for t in tensors if t.numel()]  # the inf-norm of an empty tensor is an error on CPU
    if cuda_bucket(nonempty):
        return torch.isfinite(torch.stack(torch._foreach_norm(nonempty, math.inf))).all()
    extremes = [v for t in nonempty for v in torch.aminmax(t)]
    if not extremes:
        return torch.ones((), dtype=torch.bool, device=tensors[0].device if tensors else None)
    try:  # one device: a per-value .to() would cost ~0.5 us each
        stacked = torch.stack(extremes)
    except RuntimeError:  # a group spread over devices
        stacked = torch.stack([v.to(extremes[0].device) for v in extremes])
    return torch.isfinite(stacked).all()


def ordered_sum(partials: list[Tensor], dtype: torch.dtype) -> Tensor:
    """Sum of per-tensor 0-d partials in list order: the same bits however the tensors were batched."""
    return torch.stack(partials).to(dtype).sum()  # stack promotes exactly, so this casts each value


def group_scalars(group: dict, ref: Tensor, **initial: float) -> list[Tensor]:
    """0-d tensors kept in a parameter group (created from ``initial`` on first use), on ``ref``'s device.

    Whole-group statistics (D-Adaptation's ``d``, running sums) live here as tensors so a step never reads
    them on the host. Their dtype is float64 for float64 parameters, float32 otherwise (bf16/fp16 included).
    """
    dtype = torch.float64 if ref.dtype == torch.float64 else torch.float32
    out = []
    for name, value in initial.items():
        if name not in group:
            group[name] = torch.tensor(value, dtype=dtype, device=ref.device)
        group[name] = group[name].to(ref.device)
        out.append(group[name])
    return out


def snapshot(tensors: list[Tensor]) -> Tensor | list[Tensor]:
    """A copy of ``tensors`` for :func:`undo_unless_`: one flat tensor on a CUDA bucket (one launch, not
    one per tensor), else per-tensor clones (CPU, mixed dtypes, a DTensor, or compiled code, where
    inductor fuses them into the update)."""
    return flatten_cat(tensors) if cuda_bucket(tensors) else [t.clone() for t in tensors]


def undo_unless_(tensors: list[Tensor], before: Tensor | list[Tensor], ok: Tensor) -> None:
    r"""Put back ``before`` (from :func:`snapshot`) wherever the 0-d bool ``ok`` is False, in place and
    without a host sync.

    Optimizers with ``global_statistics`` take ``before = snapshot(tensors)`` (parameters and state),
    update in place, then call this: a non-finite group statistic skips the whole update and leaves
    parameters and state exactly as they were, so training recovers at the next finite step. A flat
    snapshot is selected in one pass and copied back in one launch.
    """
    if isinstance(before, Tensor):
        torch.where(ok, flatten_cat(tensors), before, out=before)
        copy_(tensors, unflatten(before, tensors))
        return
    for t, b in zip(tensors, before):
        t.copy_(torch.where(ok, t, b))


def copy_(dst: list[Tensor], src: list[Tensor]) -> None:
    """``dst[i].copy_(src[i])``: ``torch._foreach_copy_`` (one launch on CUDA), per tensor for a DTensor
    (FSDP2), which lacks its sharding rule.

    Compiled (the fused path), it is ``torch._foreach_copy_``: in torch 2.13, inductor turns
    ``q.copy_(p); p += g`` into ``q == p + g`` (a per-tensor copy of an input mutated later reads the
    mutated value), which ``_foreach_copy_`` avoids (``tests/test_fused.py`` checks it).
    """
    if not dst:
        return
    if not is_dtensor(dst[0]) or torch.compiler.is_compiling():
        torch._foreach_copy_(dst, src)
        return
    for d, s in zip(dst, src):
        d.copy_(s)
