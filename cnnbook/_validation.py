"""Argument checks for the whole package, in one place.

Each helper raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, invalid
value) with a message that names the offending argument and says what would be valid, so a
reader never sees an ``IndexError`` from deep inside NumPy. Nothing here imports torch.

Groups of helpers:

- scalars: :func:`integer`, :func:`positive_int`, :func:`odd_positive_int`, :func:`int_in_range`,
  :func:`boolean`, :func:`choice`, :func:`pair`, :func:`check_positive`, :func:`check_nonnegative`;
- arrays: :func:`as_array`, :func:`check_ndim`, :func:`as_batched` (NCHW or unbatched CHW);
- the dtype policy of :mod:`cnnbook.functional`: :func:`compute_dtype`, :func:`float_input`;
- the convolution family: :func:`conv_hyperparameters` (stride, dilation, groups) and
  :func:`check_groups_divide`, shared by ``conv2d`` and ``conv_transpose2d``;
- row-dependent kernels: :func:`row_kernel_sizes`, shared by ``SphConv2d`` and ``fit_row_kernels``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "as_array", "check_ndim", "as_batched", "integer", "positive_int", "odd_positive_int", "int_in_range",
    "boolean", "choice", "pair", "check_positive", "check_nonnegative", "compute_dtype", "float_input",
    "conv_hyperparameters", "check_groups_divide", "row_kernel_sizes",
]


# ---------------------------------------------------------------------------------------------
# scalars
# ---------------------------------------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def integer(value: Any, name: str) -> int:
    """Return ``value`` as a Python int; raise ``TypeError`` naming ``name`` for bools and non-integers."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1, or raise (``TypeError`` / ``ValueError``) naming ``name``."""
    if not _is_int(value):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int (>= 1), got {value}")
    return int(value)


def odd_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an odd int >= 1 (a kernel size with a centre), or raise ``ValueError``."""
    if not _is_int(value) or value < 1 or value % 2 == 0:
        raise ValueError(f"{name} must be a positive odd int (so the kernel has a centre), got {value!r}")
    return int(value)


def int_in_range(value: Any, name: str, low: int, high: int) -> int:
    """Return ``value`` as an int in [low, high], or raise naming ``name``."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an int between {low} and {high}, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return int(value)


def boolean(value: Any, name: str) -> bool:
    """Return ``value`` as a bool; raise ``TypeError`` naming ``name`` for anything but True/False.

    A flag such as ``ceil_mode='no'`` would otherwise count as true.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (True or False), got {type(value).__name__} {value!r}")
    return bool(value)


def choice(value: Any, options: Iterable[Any], name: str) -> Any:
    """Return ``value`` if it is one of ``options``, else raise ``ValueError`` naming ``name``."""
    options = tuple(options)
    if not any(value is o or (type(value) is type(o) and value == o) for o in options):
        raise ValueError(f"{name} must be one of {', '.join(repr(o) for o in options)}; got {value!r}")
    return value


def pair(value: Any, name: str) -> tuple[int, int]:
    """Turn an int, a 1-tuple or an (h, w) pair of ints into a tuple ``(h, w)``, as PyTorch does.

    >>> pair(3, "stride")
    (3, 3)
    >>> pair((1, 2), "padding")
    (1, 2)
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or a pair of ints, got bool {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) in (1, 2) and all(_is_int(v) for v in value):
        return (int(value[0]), int(value[-1]))
    raise TypeError(f"{name} must be an int or a pair (h, w) of ints, got {value!r}")


def check_positive(values: tuple[int, ...], name: str) -> None:
    """Raise ``ValueError`` naming ``name`` unless every entry is >= 1."""
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be positive (>= 1), got {values if len(values) > 1 else values[0]}")


def check_nonnegative(values: tuple[int, ...], name: str) -> None:
    """Raise ``ValueError`` naming ``name`` unless every entry is >= 0."""
    if any(v < 0 for v in values):
        raise ValueError(f"{name} must be non-negative (>= 0), got {values if len(values) > 1 else values[0]}")


# ---------------------------------------------------------------------------------------------
# arrays
# ---------------------------------------------------------------------------------------------

def as_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a NumPy array of real numbers; raise ``TypeError`` naming ``name`` otherwise.

    Torch tensors are accepted (they are detached and moved to the CPU first). Complex arrays
    are refused: none of the operations is defined on them, and silently dropping the
    imaginary part would hide a bug.
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists, for example
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}: {exc}") from None
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {array.dtype}")
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got dtype {array.dtype}")
    return array


def check_ndim(array: np.ndarray, ndim: int, name: str, layout: str = "(N, C, H, W)") -> None:
    """Raise ``ValueError`` naming ``name`` unless ``array`` has exactly ``ndim`` dimensions."""
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array {layout}, got {array.ndim}-D with shape {tuple(array.shape)}"
        )


def as_batched(value: Any, name: str = "input", layout: str = "(N, C, H, W)",
               unbatched_layout: str = "(C, H, W)") -> tuple[np.ndarray, bool]:
    """Return ``value`` as a 4-D array and whether a batch axis was added (3-D, unbatched input).

    Raises ``ValueError`` naming ``name`` for any other number of dimensions, or when a spatial
    size (H or W) is 0. An empty batch (N = 0) or no channels (C = 0) is allowed, as in PyTorch.
    """
    x = as_array(value, name)
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must be a 4-D array {layout} or a 3-D array {unbatched_layout}, "
                         f"got {x.ndim}-D with shape {tuple(x.shape)}")
    if x.shape[-2] < 1 or x.shape[-1] < 1:
        raise ValueError(f"{name} must have non-empty spatial sizes (H >= 1 and W >= 1), got shape {tuple(x.shape)}")
    return (x[None], True) if x.ndim == 3 else (x, False)


# ---------------------------------------------------------------------------------------------
# the dtype policy of cnnbook.functional
# ---------------------------------------------------------------------------------------------

def compute_dtype(**operands: np.ndarray | None) -> tuple[np.dtype, np.dtype]:
    """The dtype policy: return ``(result dtype, accumulation dtype)`` for the named operands.

    - Floating operands must all have the same dtype; otherwise ``TypeError`` naming two of them
      (float32 ``input`` with a float64 ``weight`` is refused, as in PyTorch).
    - Integer and boolean operands alone compute in float64. Beside a floating operand they follow
      NumPy's promotion: uint8 with float32 stays float32, int64 with float32 gives float64.
    - The accumulation dtype is the result dtype, except float16, which is accumulated in
      float32 and rounded back to float16 at the end.

    ``None`` operands (a missing bias) are skipped. Complex operands never get here:
    :func:`as_array` refuses them.
    """
    floating = [(name, a.dtype) for name, a in operands.items()
                if a is not None and np.issubdtype(a.dtype, np.floating)]
    for name, dtype in floating[1:]:
        if dtype != floating[0][1]:
            first, first_dtype = floating[0]
            raise TypeError(f"{first} and {name} must have the same floating dtype, got {first} {first_dtype} "
                            f"and {name} {dtype}; convert one of them (for example with .astype)")
    present = [a.dtype for a in operands.values() if a is not None]
    result = np.result_type(*present) if floating else np.dtype(np.float64)
    accumulate = np.dtype(np.float32) if result == np.float16 else result
    return np.dtype(result), accumulate


def float_input(x: np.ndarray) -> np.ndarray:
    """Floating arrays pass through unchanged; integers and booleans become float64."""
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


# ---------------------------------------------------------------------------------------------
# the convolution family (conv2d and conv_transpose2d)
# ---------------------------------------------------------------------------------------------

def conv_hyperparameters(stride: Any, dilation: Any, groups: Any
                         ) -> tuple[tuple[int, int], tuple[int, int], int]:
    """Check and normalise ``stride`` and ``dilation`` ((h, w) pairs >= 1) and ``groups`` (int >= 1)."""
    s = pair(stride, "stride")
    d = pair(dilation, "dilation")
    check_positive(s, "stride")
    check_positive(d, "dilation")
    g = positive_int(groups, "groups")
    return s, d, g


def check_groups_divide(groups: int, channels: int, name: str) -> None:
    """Raise ``ValueError`` unless ``groups`` divides ``channels`` (described by ``name``)."""
    if channels % groups:
        raise ValueError(f"groups={groups} must divide {name}={channels}")


def row_kernel_sizes(kernel_sizes: Any, height: int, tied: bool, name: str = "kernel_sizes") -> list[tuple[int, int]]:
    """One odd (kh, kw) per image row, from ``height`` ints or pairs; mirror-symmetric about the
    equator (row v and row height-1-v alike) when ``tied``."""
    if isinstance(kernel_sizes, (str, bytes)) or not hasattr(kernel_sizes, "__len__"):
        raise TypeError(f"{name} must be a sequence of {height} kernel sizes, got {type(kernel_sizes).__name__}")
    if len(kernel_sizes) != height:
        raise ValueError(f"{name} must have one entry per row (height={height}), got {len(kernel_sizes)}")
    sizes = [pair(k, name) for k in kernel_sizes]
    for v, (kh, kw) in enumerate(sizes):
        if kh < 1 or kw < 1 or kh % 2 == 0 or kw % 2 == 0:
            raise ValueError(f"{name} must hold odd positive sizes, got {(kh, kw)} at row {v}")
        if tied and sizes[height - 1 - v] != (kh, kw):
            raise ValueError(f"{name} must be symmetric about the equator when tied=True: row {v} has {(kh, kw)} "
                             f"but row {height - 1 - v} has {sizes[height - 1 - v]}")
    return sizes
