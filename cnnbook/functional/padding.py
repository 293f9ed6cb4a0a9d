"""Padding modes from scratch (chapter "Padding").

:func:`pad` follows ``torch.nn.functional.pad`` for 4-D input (N, C, H, W). The tuple ``pad``
lists the amounts *per side*, last dimension first: ``(left, right)`` pads the width only and
``(left, right, top, bottom)`` pads width and height.

Every non-constant mode is an *index map*: output column ``j`` (counted from ``-left``) reads
input column ``m(j)``, where for an axis of length ``n``

- ``replicate``: ``m(j) = clip(j, 0, n - 1)`` (repeat the edge pixel);
- ``reflect``:   ``m(j) = |j|`` on the left and ``2(n - 1) - j`` on the right
  (mirror about the edge pixel, which is *not* repeated); needs ``pad < n``;
- ``circular``:  ``m(j) = j mod n`` (wrap around, as on a cylinder); needs ``pad <= n``.

``constant`` fills the new cells with ``value``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from cnnbook._validation import as_array, check_ndim

__all__ = ["pad", "PAD_MODES", "pad_indices"]

#: The padding modes :func:`pad` accepts, as in ``torch.nn.functional.pad``.
PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _check_pad(pad: Any, mode: str) -> tuple[int, ...]:
    """Validate ``pad`` and return it as a tuple of ints (left, right[, top, bottom])."""
    if isinstance(pad, (str, bytes)) or not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad must be a tuple (left, right, top, bottom) of ints, got {type(pad).__name__} {pad!r}")
    if not all(isinstance(p, numbers.Integral) and not isinstance(p, (bool, np.bool_)) for p in pad):
        raise TypeError(f"pad must hold ints only, got {pad!r}")
    allowed = (2, 4) if mode == "constant" else (4,)
    if len(pad) not in allowed:
        what = "(left, right) or (left, right, top, bottom)" if mode == "constant" else "(left, right, top, bottom)"
        raise ValueError(f"pad must have length {' or '.join(map(str, allowed))} for mode={mode!r} and 4-D input, "
                         f"i.e. {what}; got length {len(pad)}: {tuple(pad)}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad must be non-negative (cropping with negative padding is not supported), got {tuple(pad)}")
    return tuple(int(p) for p in pad)


def pad_indices(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Index map of one axis: the input index that each of the ``before + n + after`` padded cells reads.

    Defined for ``mode`` in ``'reflect'``, ``'replicate'``, ``'circular'`` (see the module docstring).

    >>> pad_indices(4, 2, 2, "reflect").tolist()
    [2, 1, 0, 1, 2, 3, 2, 1]
    >>> pad_indices(4, 2, 2, "circular").tolist()
    [2, 3, 0, 1, 2, 3, 0, 1]
    """
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        return np.mod(j, n)
    if mode == "reflect":
        j = np.abs(j)
        return np.where(j > n - 1, 2 * (n - 1) - j, j)
    raise ValueError(f"mode must be one of 'reflect', 'replicate', 'circular' for an index map, got {mode!r}")


def pad(input: Any, pad: tuple[int, ...], mode: str = "constant", value: float = 0.0) -> np.ndarray:
    """Pad the last two dimensions of a 4-D array, like ``torch.nn.functional.pad``.

    Shapes: ``input`` (N, C, H, W) -> output (N, C, H + top + bottom, W + left + right),
    with ``pad = (left, right, top, bottom)``; ``pad = (left, right)`` (constant mode only, as in
    PyTorch) pads the width alone. The dtype is kept.

    Output cell (i, j) of the padded array, with i counted from ``-top`` and j from ``-left``, is
    ``value`` outside the input for ``mode='constant'``, else ``input[..., m_H(i), m_W(j)]`` with
    the index maps of :func:`pad_indices`.

    Raises ``ValueError`` for an unknown ``mode``, a ``pad`` of the wrong length or with negative
    entries, reflect padding of at least the input size (``pad < n`` is needed), circular padding
    larger than the input size (it would wrap more than once), or a non-zero ``value`` with a
    non-constant mode (PyTorch refuses that too). ``TypeError`` for non-numeric input or a ``pad``
    that is not a tuple of ints.
    """
    if not isinstance(mode, str) or mode not in PAD_MODES:
        raise ValueError(f"mode must be one of {', '.join(repr(m) for m in PAD_MODES)}; got {mode!r}")
    amounts = _check_pad(pad, mode)
    x = as_array(input, "input")
    check_ndim(x, 4, "input")
    if not isinstance(value, numbers.Number) or isinstance(value, bool):
        raise TypeError(f"value must be a number, got {type(value).__name__}")
    left, right = amounts[0], amounts[1]
    top, bottom = (amounts[2], amounts[3]) if len(amounts) == 4 else (0, 0)
    h, w = x.shape[2], x.shape[3]

    if mode == "constant":
        out = np.full(x.shape[:2] + (h + top + bottom, w + left + right), value, dtype=x.dtype)
        out[:, :, top:top + h, left:left + w] = x
        return out

    if value != 0:
        raise ValueError(f"value is only used by mode='constant'; mode={mode!r} takes no value, got value={value!r}")
    if mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= w):
        raise ValueError(f"reflect padding must be smaller than the input size on each axis (pad < n), "
                         f"got pad {amounts} for an input of height {h} and width {w}")
    if mode == "circular" and (max(top, bottom) > h or max(left, right) > w):
        raise ValueError(f"circular padding must be at most the input size on each axis (pad <= n, it would "
                         f"wrap around more than once), got pad {amounts} for an input of height {h} and width {w}")
    if (h == 0 and top + bottom > 0) or (w == 0 and left + right > 0):
        raise ValueError(f"input must be non-empty along a padded axis for mode={mode!r}, got shape {x.shape}")
    rows = pad_indices(h, top, bottom, mode)
    cols = pad_indices(w, left, right, mode)
    return x[:, :, rows[:, None], cols[None, :]]
