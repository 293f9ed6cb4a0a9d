"""Max pooling, average pooling and max unpooling from scratch, mirroring ``torch.nn.functional``.

All three work on NCHW arrays (an unbatched (C, H, W) array is accepted too) and follow
PyTorch's CPU semantics, except that integer inputs are computed in float64 (PyTorch keeps
integers and truncates an average):

- ``max_pool2d`` pads with −∞, returns indices that are flat positions ``row·W + col`` inside
  each input plane, breaks ties in favour of the first maximum in row-major order, and lets a
  NaN win (the last NaN of the window, as PyTorch's CPU kernel does);
- ``avg_pool2d`` pads with zeros and divides either by the window size clipped to the padded
  input (``count_include_pad=True``) or by the number of real input cells it covers;
- ``max_unpool2d`` scatters values back to their recorded positions ("switches") and fills the
  rest with zeros.

Sizes per spatial dimension (i input, k kernel, s stride, p padding per side, d dilation)::

    o = floor((i + 2p - d(k-1) - 1) / s) + 1                     (ceil_mode=False)
    o = ceil((i + 2p - d(k-1) - 1) / s) + 1, minus 1 if the last
        window would start at or beyond i + p                   (ceil_mode=True)

The implementation is vectorised: a window reduction is done as k_h strided row slices and
then k_w strided column slices (max and sum are separable over a rectangle), so the cost is
O((k_h + k_w)·size) NumPy operations with no Python loop over pixels.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from cnnbook._validation import (
    as_array,
    as_batched,
    boolean,
    check_nonnegative,
    check_positive,
    float_input,
    integer,
    pair,
)

__all__ = ["max_pool2d", "avg_pool2d", "max_unpool2d", "pool_output_size", "unpool_output_size"]


# ----------------------------------------------------------------------------------------------
# argument handling
# ----------------------------------------------------------------------------------------------

def _as_nchw(input: Any, name: str = "input") -> tuple[np.ndarray, bool]:
    """Return ``input`` as a 4-D array and whether a batch axis was added (3-D input)."""
    return as_batched(input, name, "(N, C, H, W)", "(C, H, W)")


_float = float_input


def _window_args(kernel_size: Any, stride: Any, padding: Any, dilation: Any
                 ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Check and normalise the four window arguments to (h, w) pairs (stride None or () -> kernel_size)."""
    k = pair(kernel_size, "kernel_size")
    check_positive(k, "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else pair(stride, "stride")
    check_positive(s, "stride")
    p = pair(padding, "padding")
    check_nonnegative(p, "padding")
    d = pair(dilation, "dilation")
    check_positive(d, "dilation")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"padding must be at most half of kernel_size per side (padding <= kernel_size // 2 = "
                         f"{(k[0] // 2, k[1] // 2)}), got padding={p} with kernel_size={k}")
    return k, s, p, d


def pool_output_size(size: int, kernel_size: int, stride: int | None = None, padding: int = 0,
                     dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output length of pooling along one dimension, exactly as PyTorch computes it.

    With i = ``size``, k_eff = d(k−1)+1 and s = ``stride`` (default k)::

        o = floor((i + 2p − k_eff) / s) + 1          if not ceil_mode
        o = ceil((i + 2p − k_eff) / s) + 1           if ceil_mode, then
        o = o − 1  if (o − 1)·s >= i + p             (the last window must start inside the
                                                      input or its left padding)

    The floor case is the convolution formula. The result may be < 1 for a window larger than
    the padded input; the pooling functions turn that into an error.
    """
    for value, name in ((size, "size"), (kernel_size, "kernel_size"), (padding, "padding"),
                        (dilation, "dilation")):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {value!r}")
    ceil_mode = boolean(ceil_mode, "ceil_mode")
    stride = kernel_size if stride is None else stride
    if not isinstance(stride, numbers.Integral) or isinstance(stride, bool):
        raise TypeError(f"stride must be an int or None, got {stride!r}")
    check_positive((int(size),), "size")
    check_positive((int(kernel_size),), "kernel_size")
    check_positive((int(stride),), "stride")
    check_positive((int(dilation),), "dilation")
    check_nonnegative((int(padding),), "padding")
    span = size + 2 * padding - dilation * (kernel_size - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
    else:
        out = span // stride + 1
    return int(out)


def _output_shape(shape: tuple[int, int], k, s, p, d, ceil_mode: bool) -> tuple[int, int]:
    ceil_mode = boolean(ceil_mode, "ceil_mode")
    out = tuple(pool_output_size(shape[a], k[a], s[a], p[a], d[a], ceil_mode) for a in range(2))
    if min(out) < 1:
        eff = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
        raise ValueError(f"kernel_size is too large for the input: the effective window {eff} (d(k-1)+1) does not "
                         f"fit in the padded input {(shape[0] + 2 * p[0], shape[1] + 2 * p[1])} "
                         f"(input H, W = {shape}, padding={p}), so the output would be {out}")
    return out  # type: ignore[return-value]


def _padded(x: np.ndarray, out: tuple[int, int], k, s, p, d, fill: float) -> np.ndarray:
    """The part of the padded input the windows read: shape (N, C, L_h, L_w), L = (o−1)s + d(k−1) + 1.

    Cells outside the input (left/top padding, right/bottom padding, and the overhang of a
    ceil_mode window) hold ``fill``. Returns a view of ``x`` when no padding is needed.
    """
    n, c, h, w = x.shape
    lh = (out[0] - 1) * s[0] + d[0] * (k[0] - 1) + 1
    lw = (out[1] - 1) * s[1] + d[1] * (k[1] - 1) + 1
    if p == (0, 0) and lh <= h and lw <= w:
        return x[:, :, :lh, :lw]
    xp = np.full((n, c, lh, lw), fill, dtype=x.dtype)
    rows, cols = min(h, lh - p[0]), min(w, lw - p[1])
    xp[:, :, p[0]:p[0] + rows, p[1]:p[1] + cols] = x[:, :, :rows, :cols]
    return xp


def _taps(length_out: int, stride: int, dilation: int, kernel: int, axis: int, array: np.ndarray):
    """The ``kernel`` strided slices along ``axis`` whose element o is array[o·s + u·d], u = 0..k−1."""
    stop = stride * (length_out - 1) + 1
    for u in range(kernel):
        index = [slice(None)] * array.ndim
        index[axis] = slice(u * dilation, u * dilation + stop, stride)
        yield u, array[tuple(index)]


# ----------------------------------------------------------------------------------------------
# max pooling
# ----------------------------------------------------------------------------------------------

def _max_values(xp: np.ndarray, out, k, s, d) -> np.ndarray:
    """Window maxima: rows first, then columns (max over a rectangle is separable). NaN propagates."""
    rows = None
    for _, tap in _taps(out[0], s[0], d[0], k[0], 2, xp):
        rows = tap.copy() if rows is None else np.maximum(rows, tap, out=rows)
    result = None
    for _, tap in _taps(out[1], s[1], d[1], k[1], 3, rows):
        result = tap.copy() if result is None else np.maximum(result, tap, out=result)
    return result


def _first_valid(o: int, stride: int, padding: int, dilation: int) -> np.ndarray:
    """Per output position, the first window tap that lies at coordinate >= 0 (PyTorch's start index)."""
    start = np.arange(o) * stride - padding
    behind = np.maximum(-start, 0)
    return start + (-(-behind // dilation)) * dilation


def _max_with_indices(xp: np.ndarray, shape_in: tuple[int, int], out, k, s, p, d
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Window maxima and flat argmax indices, with PyTorch's rules.

    A tap replaces the running maximum when it is strictly greater or NaN, scanning the window
    in row-major order; so ties keep the first maximum and a NaN window reports its last NaN.
    Columns are scanned first (per row), then rows, which gives the same row-major order.
    """
    check_nan = bool(np.isnan(xp).any())
    # pass 1: for every row of xp and every output column, the max over the kernel's columns
    col_max = col_arg = None
    for v, tap in _taps(out[1], s[1], d[1], k[1], 3, xp):
        if col_max is None:
            col_max, col_arg = tap.copy(), np.zeros(tap.shape, np.int64)
            continue
        better = tap > col_max
        if check_nan:
            better |= np.isnan(tap)
        np.copyto(col_max, tap, where=better)
        np.copyto(col_arg, v, where=better)
    # pass 2: over the kernel's rows
    best = best_row = best_col = None
    for u, (_, tap), (_, tap_arg) in zip(range(k[0]), _taps(out[0], s[0], d[0], k[0], 2, col_max),
                                         _taps(out[0], s[0], d[0], k[0], 2, col_arg)):
        if best is None:
            best, best_row, best_col = tap.copy(), np.zeros(tap.shape, np.int64), tap_arg.copy()
            continue
        better = tap > best
        if check_nan:
            better |= np.isnan(tap)
        np.copyto(best, tap, where=better)
        np.copyto(best_row, u, where=better)
        np.copyto(best_col, tap_arg, where=better)
    h, w = shape_in
    row = (np.arange(out[0]) * s[0] - p[0])[:, None] + best_row * d[0]
    col = (np.arange(out[1]) * s[1] - p[1])[None, :] + best_col * d[1]
    indices = row * w + col
    # A window whose maximum is -inf never updates: PyTorch then reports its first in-bounds tap.
    stuck = best == -np.inf
    if stuck.any():
        start = (_first_valid(out[0], s[0], p[0], d[0])[:, None] * w
                 + _first_valid(out[1], s[1], p[1], d[1])[None, :])
        indices = np.where(stuck, np.broadcast_to(start, indices.shape), indices)
    return best, indices


def _argmax_indices(xp: np.ndarray, values: np.ndarray, shape_in: tuple[int, int], out, k, s, p, d
                    ) -> np.ndarray:
    """Flat indices of the window maxima ``values`` (no NaN): the first tap, in row-major order, equal to the maximum.

    The taps are visited last to first, each overwriting the tap number where it equals the
    maximum, so the first equal tap wins, as with PyTorch's "strictly greater" scan. The tap
    number t = u·k_w + v becomes the flat position row·W + col at the end.
    """
    tap = np.empty(values.shape, dtype=np.int16 if k[0] * k[1] < 2**15 else np.int64)
    equal = np.empty(values.shape, dtype=bool)
    stop_h, stop_w = s[0] * (out[0] - 1) + 1, s[1] * (out[1] - 1) + 1
    for t in reversed(range(k[0] * k[1])):
        u, v = divmod(t, k[1])
        window = xp[:, :, u * d[0]:u * d[0] + stop_h:s[0], v * d[1]:v * d[1] + stop_w:s[1]]
        np.equal(window, values, out=equal)
        np.copyto(tap, t, where=equal)
    h, w = shape_in
    row = (np.arange(out[0]) * s[0] - p[0])[:, None] * w
    col = (np.arange(out[1]) * s[1] - p[1])[None, :]
    offsets = np.array([u * d[0] * w + v * d[1] for u in range(k[0]) for v in range(k[1])], dtype=np.int64)
    indices = np.take(offsets, tap)
    indices += row + col
    stuck = values == -np.inf   # every tap is -inf: PyTorch reports the window's first in-bounds tap
    if stuck.any():
        start = (_first_valid(out[0], s[0], p[0], d[0])[:, None] * w
                 + _first_valid(out[1], s[1], p[1], d[1])[None, :])
        indices = np.where(stuck, np.broadcast_to(start, indices.shape), indices)
    return indices


def max_pool2d(input: Any, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
               ceil_mode: bool = False, return_indices: bool = False
               ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """2-D max pooling of an (N, C, H, W) array, as ``torch.nn.functional.max_pool2d``.

    y[n, c, i, j] = max_{u < k_h, v < k_w} x̃[n, c, s_h·i + d_h·u, s_w·j + d_w·v]

    where x̃ is the input padded by p per side with −∞. Output shape (N, C, H_out, W_out) with
    the sizes of :func:`pool_output_size`. ``stride`` defaults to ``kernel_size``; ``padding``
    must be at most ``kernel_size // 2``.

    With ``return_indices=True`` also returns int64 indices of the same shape: the flat position
    ``row·W + col`` of each maximum inside its (n, c) input plane (ties: the first maximum in
    row-major order; a window holding NaN returns NaN and the position of its last NaN).
    Integer inputs are converted to float64; a 3-D (C, H, W) input gives a 3-D output.
    """
    x, unbatched = _as_nchw(input)
    x = _float(x)
    k, s, p, d = _window_args(kernel_size, stride, padding, dilation)
    ceil_mode = boolean(ceil_mode, "ceil_mode")
    return_indices = boolean(return_indices, "return_indices")
    out = _output_shape(x.shape[2:], k, s, p, d, ceil_mode)
    xp = _padded(x, out, k, s, p, d, -np.inf)
    if return_indices:
        if np.isnan(xp).any():   # NaN wins its window: the general scan handles PyTorch's NaN rule
            values, indices = _max_with_indices(xp, x.shape[2:], out, k, s, p, d)
        else:
            values = _max_values(xp, out, k, s, d)
            indices = _argmax_indices(xp, values, x.shape[2:], out, k, s, p, d)
        return (values[0], indices[0]) if unbatched else (values, indices)
    values = _max_values(xp, out, k, s, d)
    return values[0] if unbatched else values


# ----------------------------------------------------------------------------------------------
# average pooling
# ----------------------------------------------------------------------------------------------

def _divisor(size: int, o: int, k: int, s: int, p: int, count_include_pad: bool) -> np.ndarray:
    """Per output position along one axis, how many cells the average divides by."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def avg_pool2d(input: Any, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> np.ndarray:
    """2-D average pooling of an (N, C, H, W) array, as ``torch.nn.functional.avg_pool2d``.

    y[n, c, i, j] = (1 / D[i, j]) · Σ_{u < k_h, v < k_w} x̃[n, c, s_h·i + u, s_w·j + v]

    where x̃ is the input zero-padded by p per side. The divisor D[i, j] = D_h[i]·D_w[j] counts,
    per axis, the window cells that lie inside the padded input (``count_include_pad=True``:
    the overhang of a ceil_mode window is not counted) or inside the input itself
    (``count_include_pad=False``); a non-zero int ``divisor_override`` replaces D everywhere.
    Output shape (N, C, H_out, W_out) as in :func:`pool_output_size` with d = 1. Integer inputs
    are converted to float64; float16 is summed in float32.
    """
    x, unbatched = _as_nchw(input)
    x = _float(x)
    k, s, p, d = _window_args(kernel_size, stride, padding, 1)
    ceil_mode = boolean(ceil_mode, "ceil_mode")
    count_include_pad = boolean(count_include_pad, "count_include_pad")
    if divisor_override is not None:
        divisor_override = integer(divisor_override, "divisor_override")
        if divisor_override == 0:
            raise ValueError("divisor_override must be a non-zero int or None, got 0")
    out = _output_shape(x.shape[2:], k, s, p, d, ceil_mode)
    result_dtype = x.dtype
    x = x.astype(np.float32, copy=False) if x.dtype == np.float16 else x
    xp = _padded(x, out, k, s, p, d, 0.0)
    rows = None
    for _, tap in _taps(out[0], s[0], 1, k[0], 2, xp):
        rows = tap.copy() if rows is None else np.add(rows, tap, out=rows)
    total = None
    for _, tap in _taps(out[1], s[1], 1, k[1], 3, rows):
        total = tap.copy() if total is None else np.add(total, tap, out=total)
    if divisor_override is not None:
        total /= total.dtype.type(divisor_override)
    else:
        h, w = x.shape[2:]
        div_h = _divisor(h, out[0], k[0], s[0], p[0], count_include_pad)
        div_w = _divisor(w, out[1], k[1], s[1], p[1], count_include_pad)
        total /= (div_h[:, None] * div_w[None, :]).astype(total.dtype)
    total = total.astype(result_dtype, copy=False)
    return total[0] if unbatched else total


# ----------------------------------------------------------------------------------------------
# max unpooling
# ----------------------------------------------------------------------------------------------

def unpool_output_size(size: int, kernel_size: int, stride: int | None = None, padding: int = 0) -> int:
    """Default output length of max unpooling along one dimension: (i − 1)·s − 2p + k.

    This inverts the floor formula of :func:`pool_output_size` only when (i_orig + 2p − k) is a
    multiple of s; otherwise pass the original size as ``output_size``.
    """
    stride = kernel_size if stride is None else stride
    return int((size - 1) * stride - 2 * padding + kernel_size)


def _unpool_shape(in_hw: tuple[int, int], k, s, p, output_size: Any) -> tuple[int, int]:
    default = (unpool_output_size(in_hw[0], k[0], s[0], p[0]), unpool_output_size(in_hw[1], k[1], s[1], p[1]))
    if output_size is None:
        if min(default) < 1:
            raise ValueError(f"kernel_size, stride and padding give an empty default output {default}; "
                             f"pass output_size")
        return default
    if hasattr(output_size, "tolist"):
        output_size = output_size.tolist()
    if not isinstance(output_size, (tuple, list)) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in output_size):
        raise TypeError(f"output_size must be a sequence of ints (H, W) or (N, C, H, W), got {output_size!r}")
    if len(output_size) == 4:
        output_size = output_size[2:]
    if len(output_size) != 2:
        raise ValueError(f"output_size must have 2 (H, W) or 4 (N, C, H, W) entries, got {len(output_size)}")
    size = (int(output_size[0]), int(output_size[1]))
    for a in range(2):
        low, high = default[a] - s[a], default[a] + s[a]
        if not low < size[a] < high:
            raise ValueError(f"output_size {size} is invalid: dim {a} must be strictly between {low} and {high} "
                             f"(the default size {default[a]} ± stride {s[a]})")
    return size


def max_unpool2d(input: Any, indices: Any, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
                 output_size: Sequence[int] | None = None) -> np.ndarray:
    """Partial inverse of :func:`max_pool2d`, as ``torch.nn.functional.max_unpool2d``.

    ``input`` (N, C, H, W) holds pooled values and ``indices`` (same shape, integers) their flat
    positions ``row·W_out + col`` from ``max_pool2d(..., return_indices=True)``. The output
    (N, C, H_out, W_out) is zero except y[n, c].flat[indices[n, c, i, j]] = input[n, c, i, j].

    H_out defaults to (H − 1)·s − 2p + k (and likewise W_out). That is not always the size that
    was pooled (a 5×5 map pooled with k = 2 comes back as 4×4), so ``output_size`` = (H_out,
    W_out) or (N, C, H_out, W_out) may be given; each entry must lie strictly within
    ± stride of the default. Integer values are converted to float64, as in :func:`max_pool2d`.
    """
    x, unbatched = _as_nchw(input)
    x = _float(x)
    idx = as_array(indices, "indices")
    if unbatched:
        idx = idx[None]
    if idx.shape != x.shape:
        raise ValueError(f"indices must have the same shape as input {tuple(x.shape)}, got {tuple(idx.shape)}")
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"indices must be an integer array (as returned by max_pool2d), got dtype {idx.dtype}")
    k, s, p, _ = _window_args(kernel_size, stride, padding, 1)
    h_out, w_out = _unpool_shape(x.shape[2:], k, s, p, output_size)
    n, c = x.shape[:2]
    flat = idx.reshape(n, c, -1)
    if flat.size and (flat.min() < 0 or flat.max() >= h_out * w_out):
        bad = int(flat.max()) if flat.max() >= h_out * w_out else int(flat.min())
        raise ValueError(f"indices hold {bad}, which lies outside the {h_out}x{w_out} output (valid: 0 to "
                         f"{h_out * w_out - 1}); pass the pooled map's size as output_size")
    result = np.zeros((n, c, h_out * w_out), dtype=x.dtype)
    np.put_along_axis(result, flat.astype(np.intp), x.reshape(n, c, -1), axis=2)
    result = result.reshape(n, c, h_out, w_out)
    return result[0] if unbatched else result
