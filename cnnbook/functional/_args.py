"""Argument checks shared by every from-scratch operation.

Each helper raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
invalid value) with a message that names the offending argument and says what would be
valid, so a reader never sees an ``IndexError`` from deep inside NumPy.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["as_array", "check_ndim", "integer", "pair", "check_positive", "check_nonnegative"]


def as_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a NumPy array of numbers; raise ``TypeError`` naming ``name`` otherwise.

    Torch tensors are accepted (they are detached and moved to the CPU first).
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists, for example
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}: {exc}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got dtype {array.dtype}")
    return array


def check_ndim(array: np.ndarray, ndim: int, name: str, layout: str = "(N, C, H, W)") -> None:
    """Raise ``ValueError`` naming ``name`` unless ``array`` has exactly ``ndim`` dimensions."""
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array {layout}, got {array.ndim}-D with shape {tuple(array.shape)}"
        )


def integer(value: Any, name: str) -> int:
    """Return ``value`` as a Python int; raise ``TypeError`` naming ``name`` for bools and non-integers."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def pair(value: Any, name: str) -> tuple[int, int]:
    """Turn an int or an (h, w) pair of ints into a tuple ``(h, w)``.

    >>> pair(3, "stride")
    (3, 3)
    >>> pair((1, 2), "padding")
    (1, 2)
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or a pair of ints, got bool {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in value
    ):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair (h, w) of ints, got {value!r}")


def check_positive(values: tuple[int, ...], name: str) -> None:
    """Raise ``ValueError`` naming ``name`` unless every entry is >= 1."""
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be positive (>= 1), got {values if len(values) > 1 else values[0]}")


def check_nonnegative(values: tuple[int, ...], name: str) -> None:
    """Raise ``ValueError`` naming ``name`` unless every entry is >= 0."""
    if any(v < 0 for v in values):
        raise ValueError(f"{name} must be non-negative (>= 0), got {values if len(values) > 1 else values[0]}")
