"""Why an optimizer's eager default misses the 2x-over-the-older-release target (issue #10).

Each reason was measured (``python -m benchmarks.step --older``, profiles with ``torch.profiler``); the
benchmark prints it beside every key whose default is under 2x. ``fused=True`` rows are the answer for
the elementwise keys; the others share the older release's op sequence or need a pass it skips.
"""

from __future__ import annotations

ELEMENTWISE = (
    'eager runs one torch op per term of the update, as the older release does per tensor; cache-sized '
    'batches save DRAM passes (large workload) but not the passes themselves: fused=True (one kernel) '
    'is the 2x+ path'
)
AT_FLOOR = 'one or two passes per step: both implementations run near the memory-bandwidth floor'
REDUCTIONS = (
    'per-tensor or per-row norms/statistics between passes (not elementwise, no fused path); the same '
    'op sequence as the older release'
)
GLOBAL = (
    'whole-group statistics (sums over every parameter) need a pass over the group before the update, '
    'plus the finite guard the older release does not have (a non-finite gradient must not change state)'
)
# fmt: off
_AT_FLOOR_KEYS = ('sgdw', 'pid', 'qhm', 'signsgd', 'accsgd', 'srmm')
_ELEMENTWISE_KEYS = (
    'adabelief', 'adabound', 'adadelta', 'adai', 'adamax', 'adamod', 'adan', 'adapnm', 'adasmooth', 'aggmo',
    'amsbound', 'diffgrad', 'diffrgrad', 'lion', 'madgrad', 'msvag', 'pnm', 'qhadam', 'radabelief', 'radam',
    'ranger', 'yogi',
)
_REDUCTION_KEYS = (
    'a2grad', 'adafactor', 'adamp', 'adams', 'adanorm', 'adashift', 'amos', 'apollodqn', 'asgd', 'avagrad',
    'fromage', 'gravity', 'lamb', 'lars', 'nero', 'novograd', 'sgdp', 'sm3', 'swats',
)
_GLOBAL_KEYS = ('dadaptadagrad', 'dadaptadam', 'dadaptadan', 'dadaptlion', 'dadaptsgd', 'prodigy', 'ranger21')
# fmt: on
REASONS: dict[str, str] = {
    **dict.fromkeys(_AT_FLOOR_KEYS, AT_FLOOR),
    **dict.fromkeys(_ELEMENTWISE_KEYS, ELEMENTWISE),
    **dict.fromkeys(_REDUCTION_KEYS, REDUCTIONS),
    **dict.fromkeys(_GLOBAL_KEYS, GLOBAL),
    'asgd': (
        "the paper's norm of the differences needs x_{k-1} and g_{k-1} read and both copied (~9 passes); "
        'the older release takes the difference of the norms (5 passes)'
    ),
    'ranger': (
        'gradient centralization (on by default) makes the update non-elementwise: a centered copy of every '
        "gradient (into a buffer reused between steps; the older release centers p.grad in place, overwriting "
        "the user's gradients); fused=True (which turns it off) is 5x the older release"
    ),
}

# Why a fused=True row is over 1.3x of its bandwidth floor (printed beside the measured fixed cost).
FUSED_REASONS: dict[str, str] = {
    '*': (
        "the fixed cost of a step (torch's wrappers around each compiled call: dynamo's frame, AOT autograd's "
        'runtime wrapper, one call_size per symbolic size; ~40-50 us a call, one call per 8 tensors) does not '
        'shrink with the tensors'
    ),
    'madgrad': "compute-bound: a cube root per element (the update's pow(1/3)), not bandwidth",
    'adai': "a group-wide mean of the second moment before the update: two kernels' passes over the state",
}
