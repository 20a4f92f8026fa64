"""Argument checks shared by every constructor.

Every message names the class, the argument and the value, e.g.
``ValueError: AdamP: betas[0] must be in [0, 1), got 1.5``. Numbers that arrive as strings (a
common YAML accident, ``lr: 1e-3`` parses as a string in YAML 1.1) are a ``TypeError``, not a
crash deep inside the first step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any


def owner_name(owner: Any) -> str:
    """Return the display name of ``owner`` (an instance, a class or a string)."""
    if isinstance(owner, str):
        return owner
    if isinstance(owner, type):
        return owner.__name__
    return type(owner).__name__


def check_number(owner: Any, name: str, value: Any) -> float:
    """Return ``value`` as a float, raising ``TypeError`` for strings, booleans and other non-numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = ' (a number given as a string? write 1e-3, not "1e-3")' if isinstance(value, str) else ''
        raise TypeError(f'{owner_name(owner)}: {name} must be a real number, got {value!r}{hint}')
    value = float(value)
    if math.isnan(value):
        raise ValueError(f'{owner_name(owner)}: {name} must not be NaN, got {value}')
    return value


def check_range(
    owner: Any,
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = False,
) -> float:
    """Check ``low <= value < high`` (bounds' inclusiveness configurable) and return it as a float."""
    x = check_number(owner, name, value)
    ok_low = x >= low if low_inclusive else x > low
    ok_high = x <= high if high_inclusive else x < high
    if not (ok_low and ok_high):
        interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
        raise ValueError(f'{owner_name(owner)}: {name} must be in {interval}, got {value!r}')
    return x


def check_non_negative(owner: Any, name: str, value: Any) -> float:
    """Check ``0 <= value < inf``."""
    return check_range(owner, name, value, 0.0, math.inf)


def check_positive(owner: Any, name: str, value: Any, *, allow_inf: bool = False) -> float:
    """Check ``0 < value`` (finite unless ``allow_inf``)."""
    return check_range(owner, name, value, 0.0, math.inf, low_inclusive=False, high_inclusive=allow_inf)


def check_lr(owner: Any, lr: Any, name: str = 'lr', *, allow_none: bool = False) -> float | None:
    """Check a learning rate: a finite, non-negative number (``None`` only where documented)."""
    if lr is None and allow_none:
        return None
    return check_non_negative(owner, name, lr)


def check_positive_int(owner: Any, name: str, value: Any, *, allow_zero: bool = False) -> int:
    """Check an integer ``> 0`` (or ``>= 0`` with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f'{owner_name(owner)}: {name} must be an integer, got {value!r}')
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{owner_name(owner)}: {name} must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    return value


def check_betas(
    owner: Any, betas: Any, length: int | Sequence[int] = 2, name: str = 'betas', *, allow_one: Iterable[int] = ()
) -> tuple[float, ...]:
    """Check a tuple (or list, as configs deliver it) of momentum coefficients in ``[0, 1)``.

    Args:
        owner: the optimizer (for the message).
        betas: the coefficients.
        length: the accepted length(s).
        name: the argument's name.
        allow_one: indices whose coefficient may equal 1 (e.g. PNM's ``betas[1]``).

    Returns:
        the coefficients as a tuple of floats.
    """
    lengths = (length,) if isinstance(length, int) else tuple(length)
    if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence):
        raise TypeError(f'{owner_name(owner)}: {name} must be a tuple or list of floats, got {betas!r}')
    if len(betas) not in lengths:
        expected = ' or '.join(str(n) for n in lengths)
        raise ValueError(f'{owner_name(owner)}: {name} must have {expected} entries, got {len(betas)}: {betas!r}')
    allow_one = set(allow_one)
    return tuple(
        check_range(owner, f'{name}[{i}]', b, 0.0, 1.0, high_inclusive=i in allow_one) for i, b in enumerate(betas)
    )


def check_choice(owner: Any, name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f'{owner_name(owner)}: {name} must be one of {choices!r}, got {value!r}')
    return value


def check_bool(owner: Any, name: str, value: Any) -> bool:
    """Check a flag is a real ``bool`` (``'false'`` from a config would otherwise be truthy)."""
    if not isinstance(value, bool):
        raise TypeError(f'{owner_name(owner)}: {name} must be True or False, got {value!r}')
    return value
