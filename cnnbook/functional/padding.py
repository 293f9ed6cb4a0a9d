"""Padding modes from scratch (chapter "Padding").

:func:`pad` follows ``torch.nn.functional.pad``. The tuple ``pad`` lists the amounts *per side*,
last dimension first: ``(left, right)`` pads the width only, ``(left, right, top, bottom)`` pads
width and height, and so on. A negative amount crops, as in PyTorch.

Every non-constant mode is an *index map*: output column ``j`` (counted from ``-left``) reads
input column ``m(j)``, where for an axis of length ``n``

- ``replicate``: ``m(j) = clip(j, 0, n - 1)`` (repeat the edge pixel);
- ``reflect``:   ``m(j) = |j|`` on the left and ``2(n - 1) - j`` on the right
  (mirror about the edge pixel, which is *not* repeated); needs ``pad < n``;
- ``circular``:  ``m(j) = j mod n`` (wrap around, as on a cylinder); needs ``pad <= n``. A
  negative amount on one side crops that side first, and the wrap-around uses what is left,
  as in PyTorch.

``constant`` fills the new cells with ``value``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from cnnbook._validation import as_array, integer

__all__ = ["pad", "PAD_MODES", "pad_indices"]

#: The padding modes :func:`pad` accepts, as in ``torch.nn.functional.pad``.
PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _check_pad(pad: Any, mode: str, ndim: int) -> tuple[int, ...]:
    """Validate ``pad`` for an input of ``ndim`` dimensions and return it as a tuple of ints."""
    if isinstance(pad, (str, bytes)) or not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad must be a tuple (left, right, top, bottom) of ints, got {type(pad).__name__} {pad!r}")
    if not all(isinstance(p, numbers.Integral) and not isinstance(p, (bool, np.bool_)) for p in pad):
        raise TypeError(f"pad must hold ints only, got {pad!r}")
    if len(pad) == 0 or len(pad) % 2:
        raise ValueError(f"pad must have an even, non-zero length (two amounts per padded dimension), "
                         f"got length {len(pad)}: {tuple(pad)}")
    dims = len(pad) // 2
    if mode == "constant":
        if dims > ndim:
            raise ValueError(f"pad of length {len(pad)} pads {dims} dimensions, but input has only {ndim}")
    elif dims > 3 or ndim not in (dims + 1, dims + 2):
        raise ValueError(f"pad of length {len(pad)} in mode={mode!r} pads the last {dims} dimension(s) of a "
                         f"{dims + 1}-D (unbatched) or {dims + 2}-D (batched) input, got a {ndim}-D input; "
                         f"use (left, right, top, bottom) for (N, C, H, W) or (C, H, W)")
    return tuple(int(p) for p in pad)


def pad_indices(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Index map of one axis: the input index that each of the ``before + n + after`` padded cells reads.

    Defined for ``mode`` in ``'reflect'``, ``'replicate'``, ``'circular'`` (see the module docstring).
    ``n`` must be >= 1; ``before`` and ``after`` may be negative (cropping), and for reflect must
    be smaller than ``n``, for circular at most ``n``.

    >>> pad_indices(4, 2, 2, "reflect").tolist()
    [2, 1, 0, 1, 2, 3, 2, 1]
    >>> pad_indices(4, 2, 2, "circular").tolist()
    [2, 3, 0, 1, 2, 3, 0, 1]
    """
    n = integer(n, "n")
    before = integer(before, "before")
    after = integer(after, "after")
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"mode must be one of 'reflect', 'replicate', 'circular' for an index map, got {mode!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1: an empty axis has nothing to reflect, replicate or wrap, got {n}")
    if before + n + after < 0:
        raise ValueError(f"before + n + after must be >= 0 (the padded length), got {before + n + after}")
    if mode == "reflect" and max(before, after) >= n:
        raise ValueError(f"reflect padding must be smaller than the input size (pad < n), got before={before}, "
                         f"after={after} for n={n}")
    if mode == "circular" and max(before, after) > n:
        raise ValueError(f"circular padding must be at most the input size (pad <= n, it would wrap around more "
                         f"than once), got before={before}, after={after} for n={n}")
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        # PyTorch crops first (negative amounts), then wraps around what is left
        first = max(-before, 0)
        kept = n - first - max(-after, 0)
        if kept < 1 or max(before, after) > kept:
            raise ValueError(f"circular padding must be at most the size left after cropping ({kept}), got "
                             f"before={before}, after={after} for n={n}")
        return first + np.mod(np.arange(-max(before, 0), kept + max(after, 0)), kept)
    j = np.abs(j)
    return np.where(j > n - 1, 2 * (n - 1) - j, j)


def pad(input: Any, pad: tuple[int, ...], mode: str = "constant", value: float | None = None) -> np.ndarray:
    """Pad the last dimensions of an array, like ``torch.nn.functional.pad``.

    Shapes: with ``pad = (left, right, top, bottom)``, ``input`` (N, C, H, W) or (C, H, W) ->
    (..., H + top + bottom, W + left + right); ``pad = (left, right)`` pads the width alone. In
    ``'constant'`` mode ``pad`` may cover any number of trailing dimensions; the other modes
    pad the last 1, 2 or 3 dimensions of an unbatched or batched input. Negative amounts crop.
    The dtype is kept (padding only copies values).

    Output cell (i, j) of the padded array, with i counted from ``-top`` and j from ``-left``, is
    ``value`` (default 0; ``None`` means 0, as in PyTorch) outside the input for
    ``mode='constant'``, else ``input[..., m_H(i), m_W(j)]`` with the index maps of
    :func:`pad_indices`.

    Raises ``ValueError`` for an unknown ``mode``, a ``pad`` of odd length or one that does not
    fit the input's dimensions, reflect padding of at least the input size (``pad < n`` is
    needed), circular padding larger than the input size, a non-constant mode on an empty axis,
    or a non-zero ``value`` with a non-constant mode (PyTorch refuses that too). ``TypeError``
    for non-numeric or complex input or a ``pad`` that is not a tuple of ints.
    """
    if not isinstance(mode, str) or mode not in PAD_MODES:
        raise ValueError(f"mode must be one of {', '.join(repr(m) for m in PAD_MODES)}; got {mode!r}")
    x = as_array(input, "input")
    if x.ndim < 1:
        raise ValueError(f"input must have at least one dimension, got a 0-D array")
    amounts = _check_pad(pad, mode, x.ndim)
    if value is None:
        value = 0
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"value must be a real number or None, got {type(value).__name__}")
    # axis -1 gets amounts[0:2], axis -2 amounts[2:4], ...
    widths = {x.ndim - 1 - a: (amounts[2 * a], amounts[2 * a + 1]) for a in range(len(amounts) // 2)}
    for axis, (before, after) in widths.items():
        if x.shape[axis] + before + after < 0:
            raise ValueError(f"pad {amounts} crops more than the {x.shape[axis]} cells of input axis {axis}")

    if mode == "constant":
        out_shape = tuple(n + sum(widths.get(ax, (0, 0))) for ax, n in enumerate(x.shape))
        out = np.full(out_shape, value, dtype=x.dtype)
        src, dst = [], []
        for ax, n in enumerate(x.shape):
            before, after = widths.get(ax, (0, 0))
            src.append(slice(max(-before, 0), n - max(-after, 0)))
            dst.append(slice(max(before, 0), max(before, 0) + max(n - max(-before, 0) - max(-after, 0), 0)))
        out[tuple(dst)] = x[tuple(src)]
        return out

    if value != 0:
        raise ValueError(f"value is only used by mode='constant'; mode={mode!r} takes no value, got value={value!r}")
    out = x
    for axis, (before, after) in widths.items():
        if x.shape[axis] == 0:
            raise ValueError(f"input must be non-empty along a padded axis for mode={mode!r}, got shape {x.shape}")
        try:
            index = pad_indices(x.shape[axis], before, after, mode)
        except ValueError as exc:
            raise ValueError(f"{exc} (input axis {axis} of shape {x.shape}, pad {amounts})") from None
        out = np.take(out, index, axis=axis)
    return out
