"""Gradient checking: compare an analytic gradient with central differences (chapter "Learning the kernels").

- :func:`numerical_gradient` estimates ∂f/∂x entry by entry with central differences,

      ∂f/∂x[m] ≈ (f(x + h·e_m) − f(x − h·e_m)) / 2h,

  whose error is O(h²) (a one-sided difference is only O(h)). It costs 2 evaluations of f per
  entry of x, against about one forward and one backward pass for the analytic gradient.
- :func:`relative_error` compares two gradients entry by entry, scale-free:

      max_m |a[m] − b[m]| / max(1e-8, |a[m]| + |b[m]|).

  In float64, with h = 1e-6, a correct gradient of a smooth function typically gives 1e-7 or
  less; a bug gives something near 1.

NumPy only.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from cnnbook.functional._args import as_array

__all__ = ["numerical_gradient", "relative_error"]


def _scalar(value: Any) -> float:
    """``value`` as a float, or ``ValueError`` naming ``f`` when it is not a single number."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.size != 1 or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"f must return a single number (a scalar loss), got {type(value).__name__} "
                         f"with shape {tuple(array.shape)}")
    return float(array.reshape(()))


def numerical_gradient(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central-difference estimate of the gradient of a scalar function ``f`` at ``x``.

    Args:
        f: a function of one array returning a single number (a loss). It is called as
            ``f(x)`` with ``x`` itself perturbed in place, so a closure that reads ``x`` works too.
        x: a writeable float64 NumPy array of any shape.
        h: the step, a positive finite number.

    Returns:
        An array shaped like ``x`` whose entry m is (f(x + h·e_m) − f(x − h·e_m)) / (2h).
        ``x`` holds its original values afterwards, even if ``f`` raises.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of one array that returns a number, got {type(f).__name__}")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a float64 NumPy array (it is perturbed in place), got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"x must have dtype float64 (central differences need its precision), got {x.dtype}; "
                        f"use x.astype(np.float64)")
    if not x.flags.writeable:
        raise ValueError("x must be writeable: it is perturbed in place, one entry at a time")
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not math.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite number, got {h!r}")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        try:
            x[index] = old + h
            plus = _scalar(f(x))
            x[index] = old - h
            minus = _scalar(f(x))
        finally:
            x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: Any, b: Any) -> float:
    """Largest entry-wise relative difference, max_m |a[m] − b[m]| / max(1e-8, |a[m]| + |b[m]|).

    ``a`` and ``b`` are arrays (or torch tensors) of the same shape. Returns a float in [0, 1];
    0.0 for empty arrays. The 1e-8 floor keeps two tiny entries (both ≈ 0) from counting as
    a large relative error.
    """
    a_arr = as_array(a, "a").astype(np.float64)
    b_arr = as_array(b, "b").astype(np.float64)
    if a_arr.shape != b_arr.shape:
        raise ValueError(f"b must have the same shape as a {tuple(a_arr.shape)}, got {tuple(b_arr.shape)}")
    if a_arr.size == 0:
        return 0.0
    denominator = np.maximum(1e-8, np.abs(a_arr) + np.abs(b_arr))
    return float(np.max(np.abs(a_arr - b_arr) / denominator))
