"""2-D convolution (cross-correlation) from scratch, in NumPy, with PyTorch's semantics.

Shapes (NCHW, as in ``torch.nn.functional.conv2d``):

- ``input``  x: (N, C_in, H, W)
- ``weight`` w: (C_out, C_in / groups, kH, kW)
- ``bias``   b: (C_out,) or ``None``
- output     y: (N, C_out, H_out, W_out)

Formula (x̃ is the zero-padded input, g = groups, C_g = C_in / g, group of channel o is
⌊o / (C_out / g)⌋):

    y[n, o, i, j] = b[o] + Σ_{c < C_g} Σ_{u < kH} Σ_{v < kW}
                    w[o, c, u, v] · x̃[n, group(o)·C_g + c, s_h·i + d_h·u, s_w·j + d_w·v]

Output size per axis: o = ⌊(i + p_before + p_after − d(k − 1) − 1) / s⌋ + 1.

Two implementations share one signature and one argument check:

- :func:`conv2d_naive` loops over every output element and reads like the formula;
- :func:`conv2d` builds a read-only strided *view* of all kernel windows (no data copied),
  turns it into the im2col matrix with one copy, and does one matrix product per group
  (layers with 16+ input channels and depthwise layers take faster routes to the same
  product, described in its docstring).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from cnnbook._validation import (
    as_array,
    as_batched,
    check_groups_divide,
    compute_dtype,
    check_ndim,
    check_nonnegative,
    check_positive,
    conv_hyperparameters,
    integer,
    pair,
)

__all__ = ["conv2d", "conv2d_naive", "conv_output_size", "same_padding", "conv_flops", "im2col", "im2col_bytes"]

PADDING_STRINGS = ("valid", "same")


# ---------------------------------------------------------------------------------------------
# Output-size arithmetic
# ---------------------------------------------------------------------------------------------


def same_padding(size: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's ``SAME`` padding along one axis: return ``(before, after)``.

    The output size is ⌈size / stride⌉ whatever the kernel. The total padding is

        total = max((⌈size / s⌉ − 1)·s + k_eff − size, 0),   k_eff = d(k − 1) + 1,

    split as ``before = ⌊total / 2⌋`` and ``after = total − before``, so an odd extra pixel
    goes to the bottom/right. At stride 1 this is PyTorch's ``padding='same'`` (total d(k − 1)).

    >>> same_padding(5, 3, stride=2)
    (1, 1)
    >>> same_padding(224, 3, stride=2)
    (0, 1)
    """
    size = integer(size, "size")
    kernel_size = integer(kernel_size, "kernel_size")
    stride = integer(stride, "stride")
    dilation = integer(dilation, "dilation")
    check_positive((size,), "size")
    check_positive((kernel_size,), "kernel_size")
    check_positive((stride,), "stride")
    check_positive((dilation,), "dilation")
    k_eff = dilation * (kernel_size - 1) + 1
    out = -(-size // stride)  # ceil(size / stride) in integer arithmetic
    total = max((out - 1) * stride + k_eff - size, 0)
    before = total // 2
    return before, total - before


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int | str = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution along one axis.

        o = ⌊(i + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(i + 2p − k_eff) / s⌋ + 1

    ``padding`` is per side (an int ≥ 0), or ``'valid'`` (p = 0) or ``'same'`` (TensorFlow's
    rule, o = ⌈i / s⌉; see :func:`same_padding`). Raises ``ValueError`` naming ``kernel_size``
    when the effective kernel k_eff = d(k − 1) + 1 is larger than the padded input.

    >>> conv_output_size(6, 3, stride=2, padding=1)
    3
    >>> conv_output_size(7, 3, dilation=2)
    3
    """
    size = integer(size, "size")
    kernel_size = integer(kernel_size, "kernel_size")
    stride = integer(stride, "stride")
    dilation = integer(dilation, "dilation")
    check_positive((size,), "size")
    check_positive((kernel_size,), "kernel_size")
    check_positive((stride,), "stride")
    check_positive((dilation,), "dilation")
    if isinstance(padding, str):
        if padding not in PADDING_STRINGS:
            raise ValueError(f"padding must be an int >= 0, 'valid' or 'same', got {padding!r}")
        if padding == "same":
            before, after = same_padding(size, kernel_size, stride, dilation)
            return _one_axis(size, kernel_size, stride, before + after, dilation, "size")
        padding = 0
    padding = integer(padding, "padding")
    check_nonnegative((padding,), "padding")
    return _one_axis(size, kernel_size, stride, 2 * padding, dilation, "size")


def _one_axis(size: int, kernel: int, stride: int, pad_total: int, dilation: int, what: str) -> int:
    """⌊(size + pad_total − k_eff) / stride⌋ + 1, or ``ValueError`` if the kernel does not fit."""
    k_eff = dilation * (kernel - 1) + 1
    padded = size + pad_total
    if k_eff > padded:
        raise ValueError(
            f"Kernel too large: kernel_size {kernel} with dilation {dilation} spans k_eff = {k_eff} "
            f"pixels, but the padded input is only {padded} ({what} {size} plus padding {pad_total}); "
            f"use a smaller kernel_size or dilation, or more padding"
        )
    return (padded - k_eff) // stride + 1


# ---------------------------------------------------------------------------------------------
# Argument checking shared by both implementations
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _ConvPlan:
    """Checked arguments: padded input, weight, bias, and the geometry of the output."""

    x: np.ndarray          # (N, C_in, H + pads, W + pads), zero-padded unless _plan(pad=False), in the accumulation dtype
    w: np.ndarray          # (C_out, C_in/g, kH, kW), in the accumulation dtype
    b: np.ndarray | None   # (C_out,), in the accumulation dtype
    stride: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    out_hw: tuple[int, int]
    dtype: np.dtype = np.dtype(np.float64)   # the result dtype (the policy of cnnbook.functional)
    unbatched: bool = False                  # input was (C_in, H, W): drop the batch axis at the end
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)   # (top, bottom, left, right) still to add to x

    def finish(self, y: np.ndarray) -> np.ndarray:
        """Round ``y`` to the result dtype and drop the batch axis of an unbatched input."""
        y = y.astype(self.dtype, copy=False)
        return y[0] if self.unbatched else y


def _resolve_padding(padding: Any, in_hw: tuple[int, int], kernel_hw: tuple[int, int],
                     stride: tuple[int, int], dilation: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """Return ((top, bottom), (left, right)) for an int, an (h, w) pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            return tuple(same_padding(i, k, s, d)
                         for i, k, s, d in zip(in_hw, kernel_hw, stride, dilation))  # type: ignore[return-value]
        raise ValueError(f"padding must be an int, an (h, w) pair, 'valid' or 'same', got {padding!r}")
    ph, pw = pair(padding, "padding")
    check_nonnegative((ph, pw), "padding")
    return (ph, ph), (pw, pw)


def _plan(input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
          groups: Any, pad: bool = True) -> _ConvPlan:
    """Check every argument the way ``torch.nn.functional.conv2d`` does, then zero-pad the input.

    With ``pad=False`` the input is left unpadded and the plan's ``pads`` say what to add, for the
    fast paths that pad inside a copy they make anyway.
    """
    x, unbatched = as_batched(input, "input", "(N, C_in, H, W)", "(C_in, H, W)")
    w = as_array(weight, "weight")
    check_ndim(w, 4, "weight", "(C_out, C_in/groups, kH, kW)")
    b = None if bias is None else as_array(bias, "bias")
    dtype, acc = compute_dtype(input=x, weight=w, bias=b)

    stride_hw, dilation_hw, groups = conv_hyperparameters(stride, dilation, groups)

    n, c_in, h, w_in = x.shape
    c_out, c_per_group, kh, kw = w.shape
    if c_out < 1 or c_per_group < 1 or kh < 1 or kw < 1:
        raise ValueError(f"weight must have a non-empty shape (C_out, C_in/groups, kH, kW), got {tuple(w.shape)}")
    check_groups_divide(groups, c_out, "out_channels (weight.shape[0])")
    check_groups_divide(groups, c_in, "in_channels (input.shape[1])")
    if c_per_group * groups != c_in:
        raise ValueError(
            f"channel mismatch: weight of shape {tuple(w.shape)} with groups={groups} expects "
            f"in_channels = {c_per_group}*{groups} = {c_per_group * groups} input channels, "
            f"but input has {c_in} channels (input.shape[1])"
        )
    if b is not None and b.shape != (c_out,):
        raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {tuple(b.shape)}")

    (pt, pb), (pl, pr) = _resolve_padding(padding, (h, w_in), (kh, kw), stride_hw, dilation_hw)
    out_h = _one_axis(h, kh, stride_hw[0], pt + pb, dilation_hw[0], "input height")
    out_w = _one_axis(w_in, kw, stride_hw[1], pl + pr, dilation_hw[1], "input width")

    x = x.astype(acc, copy=False)
    pads = (pt, pb, pl, pr)
    if pad:
        x, pads = _zero_pad(x, pads), (0, 0, 0, 0)
    return _ConvPlan(
        x=x,
        w=w.astype(acc, copy=False),
        b=None if b is None else b.astype(acc, copy=False),
        stride=stride_hw,
        dilation=dilation_hw,
        groups=groups,
        out_hw=(out_h, out_w),
        dtype=dtype,
        unbatched=unbatched,
        pads=pads,
    )


def _zero_pad(x: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    """x (N, C, H, W) with (top, bottom, left, right) zeros added; x itself when there are none."""
    pt, pb, pl, pr = pads
    if not any(pads):
        return x
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=x.dtype)
    padded[:, :, pt:pt + h, pl:pl + w] = x
    return padded


# ---------------------------------------------------------------------------------------------
# The two implementations
# ---------------------------------------------------------------------------------------------

def conv2d_naive(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """2-D cross-correlation written as explicit loops over the output (slow; for reading).

    Same signature, shapes and semantics as :func:`conv2d` and ``torch.nn.functional.conv2d``:
    ``input`` (N, C_in, H, W), ``weight`` (C_out, C_in/groups, kH, kW), ``bias`` (C_out,);
    returns (N, C_out, H_out, W_out). For every output element (four loops: sample, output
    channel, row, column) it takes the window of the padded input that the kernel covers,
    multiplies it element-wise with the kernel and sums:

        y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] · x̃[n, group(o)·C_g + c, s·i + d·u, s·j + d·v].
    """
    plan = _plan(input, weight, bias, stride, padding, dilation, groups)
    x, w, b = plan.x, plan.w, plan.b
    (sh, sw), (dh, dw) = plan.stride, plan.dilation
    out_h, out_w = plan.out_hw
    n_batch = x.shape[0]
    c_out, c_g, kh, kw = w.shape
    out_per_group = c_out // plan.groups
    y = np.zeros((n_batch, c_out, out_h, out_w), dtype=x.dtype)
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // out_per_group) * c_g  # first input channel of o's group
            for i in range(out_h):
                for j in range(out_w):
                    # the C_g x kH x kW block of x̃ under the kernel: rows s·i + d·u, columns s·j + d·v
                    window = x[n, first:first + c_g,
                               sh * i: sh * i + dh * (kh - 1) + 1: dh,
                               sw * j: sw * j + dw * (kw - 1) + 1: dw]
                    y[n, o, i, j] = np.sum(w[o] * window) + (0 if b is None else b[o])
    return plan.finish(y)


def _windows(x: np.ndarray, kernel_hw: tuple[int, int], stride: tuple[int, int],
             dilation: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """Read-only view (N, C, kH, kW, H_out, W_out) with view[n, c, u, v, i, j] = x[n, c, s·i + d·u, s·j + d·v].

    No data is copied: the view reuses ``x``'s memory with different strides.
    """
    n, c = x.shape[:2]
    s_n, s_c, s_h, s_w = x.strides
    return as_strided(
        x,
        shape=(n, c, kernel_hw[0], kernel_hw[1], out_hw[0], out_hw[1]),
        strides=(s_n, s_c, s_h * dilation[0], s_w * dilation[1], s_h * stride[0], s_w * stride[1]),
        writeable=False,
    )


def im2col(input: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1) -> np.ndarray:
    """The im2col matrix: every kernel window of the padded input, laid out as a column.

    ``input`` (N, C, H, W) → (N, C·kH·kW, H_out·W_out) (an unbatched (C, H, W) input gives
    (C·kH·kW, H_out·W_out)), always a new, writeable array, where row ``c·kH·kW + u·kW + v`` and
    column ``i·W_out + j`` hold x̃[n, c, s_h·i + d_h·u, s_w·j + d_w·v]. Then a convolution is
    one matrix product: ``weight.reshape(C_out, -1) @ im2col(x, ...)`` (for groups = 1).
    Each pixel appears up to kH·kW times, so the matrix is about kH·kW/(s_h·s_w) times the input.
    """
    kh, kw = pair(kernel_size, "kernel_size")
    check_positive((kh, kw), "kernel_size")
    x, unbatched = as_batched(input, "input", "(N, C, H, W)", "(C, H, W)")
    plan = _plan(x, np.zeros((1, x.shape[1], kh, kw), dtype=x.dtype), None, stride, padding, dilation, 1)
    n, c = plan.x.shape[:2]
    out_h, out_w = plan.out_hw
    windows = _windows(plan.x, (kh, kw), plan.stride, plan.dilation, plan.out_hw)
    cols = windows.reshape(n, c * kh * kw, out_h * out_w)
    if np.shares_memory(cols, plan.x):   # a 1x1 kernel at stride 1: the reshape is still a view
        cols = cols.copy()
    cols = cols.astype(plan.dtype, copy=False)
    return cols[0] if unbatched else cols


#: Bytes of im2col matrix per block of planes in the depthwise path. On bench_conv's depthwise
#: layer 1 and 2 MiB were fastest of 0.25 to 4 MiB (14 ms, against 19 ms at 0.25 and 22 ms at 4 MiB).
_DEPTHWISE_BLOCK_BYTES = 1 << 20

#: Bytes of partial sums per block of rows in the shifted-GEMM path (64 KiB to 1 MiB were within
#: 6% of each other on bench_conv's 64 -> 64 layer).
_SHIFTED_BLOCK_BYTES = 1 << 18


def _depthwise(x: np.ndarray, w: np.ndarray, pads: tuple[int, int, int, int], dilation: tuple[int, int],
               out_hw: tuple[int, int]) -> np.ndarray:
    """Depthwise convolution at stride 1 of the unpadded x (N, C, H, W) with w (C, 1, kH, kW).

    Each (n, c) plane, zero-padded to (Hp, Wp), is read as one flat row: output (i, j) sits at
    i·Wp + j of an (H_out, Wp) strip, and tap (u, v) is that strip shifted by d_h·u·Wp + d_w·v.
    Copying the kH·kW shifted strips of a plane gives its (kH·kW, length) im2col matrix, and the
    plane's output is its kH·kW weights times that matrix, y = w[c] @ cols: one small product per
    plane, all done by one batched ``np.matmul``. The columns j >= W_out of the strip read across
    a row end and are dropped. Planes go in blocks of about ``_DEPTHWISE_BLOCK_BYTES`` of im2col
    matrix, small enough to stay in the cache from the copy to the product, padded into and copied
    through buffers allocated once.
    """
    n, c, h, wd = x.shape
    kh, kw = w.shape[2:]
    pt, pb, pl, pr = pads
    hp, wp = h + pt + pb, wd + pl + pr
    out_h, out_w = out_hw
    length = (out_h - 1) * wp + out_w                                # the strip, up to the last output
    taps = np.tile(w.reshape(c, 1, kh * kw), (n, 1, 1))              # (N·C, 1, kH·kW): each plane's weights
    block = min(n * c, max(1, _DEPTHWISE_BLOCK_BYTES // (kh * kw * length * x.itemsize)))
    padded = np.zeros((block, hp, wp), dtype=x.dtype)                # its border stays zero
    flat = padded.reshape(block, hp * wp)
    s_plane, s_elem = flat.strides
    shifted = as_strided(flat, shape=(block, kh, kw, length),
                         strides=(s_plane, s_elem * dilation[0] * wp, s_elem * dilation[1], s_elem), writeable=False)
    cols = np.empty((block, kh, kw, length), dtype=x.dtype)
    strip = np.empty((block, 1, out_h * wp), dtype=x.dtype)
    planes = x.reshape(n * c, h, wd)
    y = np.empty((n * c, out_h, out_w), dtype=x.dtype)
    for start in range(0, n * c, block):
        stop = min(start + block, n * c)
        size = stop - start
        padded[:size, pt:pt + h, pl:pl + wd] = planes[start:stop]
        np.copyto(cols[:size], shifted[:size])
        np.matmul(taps[start:stop], cols[:size].reshape(size, kh * kw, length), out=strip[:size, :, :length])
        y[start:stop] = strip[:size, 0].reshape(size, out_h, wp)[:, :, :out_w]
    return y.reshape(n, c, out_h, out_w)


def _channels_last(x: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    """The unpadded x (N, C, H, W) zero-padded and copied to (N, Hp, Wp, C): one copy does both."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = pads
    xl = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=x.dtype)
    xl[:, pt:pt + h, pl:pl + w] = x.transpose(0, 2, 3, 1)
    return xl


@functools.lru_cache(maxsize=None)
def _touch_blas_buffer() -> None:
    """Run one matrix product with a wide right-hand side, once per process, before the shifted-GEMM path.

    Measured here with NumPy's OpenBLAS: a product like (1024, 64) @ (64, 64), run over and over,
    is about 1.6x slower when it is the widest product the process has run than after one product
    with more than 64 columns on the right. That wider product makes no system call and takes
    four minor page faults. Our reading, not checked against OpenBLAS's source: OpenBLAS packs the
    right-hand matrix into a work buffer that is mapped lazily, and its kernel reads a little past
    the packed panel; a 64 x 64 float32 panel is 16 KiB, a whole number of pages, so those reads
    land on a page that was never touched, and each costs a page-table walk, until a wider panel
    touches that page. One (8, 256) @ (256, 1024) product packs a 1 MiB panel; it costs under a
    millisecond.
    """
    np.ones((8, 256), dtype=np.float32) @ np.ones((256, 1024), dtype=np.float32)


#: From this many input channels on, conv2d builds its im2col matrix from a channels-last copy.
_CHANNELS_LAST_FROM = 16


def _gemm_channels_last(x: np.ndarray, w: np.ndarray, pads: tuple[int, int, int, int], stride: tuple[int, int],
                        dilation: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """conv2d (groups = 1) as one GEMM over the whole batch, with the im2col matrix built channels-last.

    The unpadded input is padded into a copy (N, Hp, Wp, C), so each window row is kW·C
    contiguous numbers and the im2col matrix (N·H_out·W_out, kH·kW·C) is one fast copy; then one
    GEMM with the weight as a (kH·kW·C, C_out) matrix gives (N·H_out·W_out, C_out), returned as
    a channels-last (N, H_out, W_out, C_out) array.
    """
    n, c = x.shape[:2]
    c_out, _, kh, kw = w.shape
    out_h, out_w = out_hw
    xl = _channels_last(x, pads)
    s_n, s_h, s_w, s_c = xl.strides
    windows = as_strided(xl, shape=(n, out_h, out_w, kh, kw, c),
                         strides=(s_n, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1], s_c),
                         writeable=False)
    cols = windows.reshape(n * out_h * out_w, kh * kw * c)
    kernels = np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(kh * kw * c, c_out))
    return (cols @ kernels).reshape(n, out_h, out_w, c_out)


def _gemm_shifted(x: np.ndarray, w: np.ndarray, pads: tuple[int, int, int, int], dilation: tuple[int, int],
                  out_hw: tuple[int, int]) -> np.ndarray:
    """conv2d (groups = 1, stride 1) as kH·kW GEMMs on shifted rows of the input, without im2col.

    The unpadded input is padded into a channels-last copy and each sample read as a matrix X of
    rows r = i·Wp + j, one row of C_in numbers per pixel. Output (i, j) belongs to row r, and its
    tap (u, v) reads row r + d_h·u·Wp + d_w·v, so the output rows are Σ_{u,v} X[r + off_uv] @ W_uv
    with W_uv = w[:, :, u, v]ᵀ (C_in, C_out): each term is one GEMM on a contiguous block of X's
    rows. Rows with j ≥ W_out straddle a row end; they are computed and dropped. Each sample's
    rows go in blocks whose partial sums stay in the cache. Returns the strip of each sample,
    (N, H_out, Wp, C_out), of which columns j < W_out are the output.
    """
    n = x.shape[0]
    c_out, c, kh, kw = w.shape
    out_h, out_w = out_hw
    xl = _channels_last(x, pads)
    hp, wp = xl.shape[1:3]
    rows = xl.reshape(n, hp * wp, c)
    taps = [(dilation[0] * u * wp + dilation[1] * v, np.ascontiguousarray(w[:, :, u, v].T))
            for u in range(kh) for v in range(kw)]
    length = (out_h - 1) * wp + out_w                            # rows up to the last output kept
    pieces = -(-length * c_out * x.itemsize // _SHIFTED_BLOCK_BYTES)
    edges = [length * k // pieces for k in range(pieces + 1)]
    acc = np.empty((n, out_h * wp, c_out), dtype=x.dtype)
    term = np.empty((max(b - a for a, b in zip(edges, edges[1:])), c_out), dtype=x.dtype)
    _touch_blas_buffer()
    for sample in range(n):
        for start, stop in zip(edges, edges[1:]):
            out, t = acc[sample, start:stop], term[:stop - start]
            for k, (offset, kernel) in enumerate(taps):
                if k == 0:
                    np.matmul(rows[sample, start + offset:stop + offset], kernel, out=out)
                else:
                    np.matmul(rows[sample, start + offset:stop + offset], kernel, out=t)
                    out += t
    return acc.reshape(n, out_h, wp, c_out)


def _channels_first(y: np.ndarray, out_w: int, b: np.ndarray | None) -> np.ndarray:
    """(N, H_out, ≥ W_out, C_out) channels-last results → a new (N, C_out, H_out, W_out) array, plus the bias."""
    grid = y[:, :, :out_w].transpose(0, 3, 1, 2)
    out = np.empty(grid.shape, dtype=y.dtype)
    if b is None:
        np.copyto(out, grid)
    else:
        np.add(grid, b[:, None, None], out=out)
    return out


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """2-D cross-correlation, vectorised: a strided window view, im2col, one matmul per group.

    Mirrors ``torch.nn.functional.conv2d`` (NumPy in, NumPy out; torch tensors are accepted).

    Args:
        input: x of shape (N, C_in, H, W), or (C_in, H, W) unbatched (then the output is
            (C_out, H_out, W_out)). Dtypes follow the policy of :mod:`cnnbook.functional`.
        weight: w of shape (C_out, C_in/groups, kH, kW).
        bias: b of shape (C_out,), or ``None``.
        stride: s, an int or an (h, w) pair, ≥ 1.
        padding: zeros added per side: an int or (h, w) pair ≥ 0, ``'valid'`` (none) or
            ``'same'`` (TensorFlow's rule at any stride: output ⌈size / s⌉, an odd extra pixel
            at the bottom/right; equal to PyTorch's ``'same'`` at stride 1).
        dilation: d, an int or (h, w) pair ≥ 1 (d = 1 means no gaps).
        groups: g, dividing both C_in and C_out.

    Returns:
        y of shape (N, C_out, H_out, W_out), H_out = ⌊(H + p_t + p_b − d_h(kH − 1) − 1) / s_h⌋ + 1,
        in the operands' floating dtype (float32 stays float32; float16 is accumulated in float32).

    Method: the padded input is viewed as windows (N, g, C_in/g·kH·kW, H_out·W_out) — the
    im2col matrix, materialised by one copy — and multiplied by the weight reshaped to
    (g, C_out/g, C_in/g·kH·kW): one ``np.matmul`` per (sample, group). Two kinds of layer take
    faster routes to the same product:

    - groups = 1 with at least 16 input channels: the input is padded into a channels-last
      copy. At stride 1, kH·kW GEMMs on shifted rows of that copy are summed, with no im2col
      matrix at all; at larger strides, the im2col matrix is built from the copy and multiplied
      in one GEMM over the whole batch.
    - depthwise layers (C_in/g = C_out/g = 1), whose per-group product is a single row: at
      stride 1, each plane's small im2col matrix is built in the cache and all planes are
      multiplied in one batched ``np.matmul``; at larger strides, the kH·kW shifted planes are
      summed, each scaled by its weight.
    """
    plan = _plan(input, weight, bias, stride, padding, dilation, groups, pad=False)
    x, w, b, g = plan.x, plan.w, plan.b, plan.groups
    n = x.shape[0]
    c_out, c_g, kh, kw = w.shape
    out_h, out_w = plan.out_hw
    if c_g == 1 and c_out == g and plan.stride == (1, 1):
        # Depthwise (one input and one output channel per group): each group's product is a
        # (1 x kH·kW) row times a (kH·kW x H_out·W_out) matrix, far too thin for one GEMM each.
        y = _depthwise(x, w, plan.pads, plan.dilation, plan.out_hw)
        if b is not None:
            y += b[None, :, None, None]
        return plan.finish(y)
    if g == 1 and c_g >= _CHANNELS_LAST_FROM:
        if plan.stride == (1, 1):
            y = _gemm_shifted(x, w, plan.pads, plan.dilation, plan.out_hw)
        else:
            y = _gemm_channels_last(x, w, plan.pads, plan.stride, plan.dilation, plan.out_hw)
        return plan.finish(_channels_first(y, out_w, b))
    x = _zero_pad(x, plan.pads)
    windows = _windows(x, (kh, kw), plan.stride, plan.dilation, plan.out_hw)
    if c_g == 1 and c_out == g:
        # Depthwise at stride > 1: sum the kH·kW strided planes, each scaled by its weight.
        y = np.zeros((n, c_out, out_h, out_w), dtype=x.dtype)
        for u in range(kh):
            for v in range(kw):
                y += w[None, :, 0, u, v, None, None] * windows[:, :, u, v]
    else:
        # (N, C_in, kH, kW, H_out, W_out) -> (N, g, C_g·kH·kW, H_out·W_out): the one copy (im2col).
        cols = windows.reshape(n, g, c_g * kh * kw, out_h * out_w)
        kernels = w.reshape(g, c_out // g, c_g * kh * kw)
        y = np.matmul(kernels, cols).reshape(n, c_out, out_h, out_w)  # (N, g, C_out/g, H_out·W_out)
    if b is not None:
        y += b[None, :, None, None]
    return plan.finish(y)


def _flops(n: int, c_in: int, c_out: int, out_hw: tuple[int, int], kernel_hw: tuple[int, int],
           groups: int = 1) -> int:
    """Multiply-add count × 2 of one convolution: 2·N·H_out·W_out·C_out·(C_in/g)·kH·kW."""
    return 2 * n * out_hw[0] * out_hw[1] * c_out * (c_in // groups) * kernel_hw[0] * kernel_hw[1]


def conv_flops(input_shape: tuple[int, int, int, int], weight_shape: tuple[int, int, int, int],
               stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> int:
    """Floating-point operations (2 per multiply-add) of ``conv2d`` on these shapes.

        FLOPs = 2 · N · H_out · W_out · C_out · (C_in / g) · kH · kW
    """
    n, c_in, h, w = (int(v) for v in input_shape)
    c_out, c_per_group, kh, kw = (int(v) for v in weight_shape)
    s, d, groups = conv_hyperparameters(stride, dilation, groups)
    check_groups_divide(groups, c_out, "out_channels (weight_shape[0])")
    check_groups_divide(groups, c_in, "in_channels (input_shape[1])")
    if c_per_group * groups != c_in:
        raise ValueError(f"groups={groups} does not match the shapes: weight_shape[1] * groups = "
                         f"{c_per_group * groups}, but input_shape[1] = {c_in}")
    pads = _resolve_padding(padding, (h, w), (kh, kw), s, d)
    out = (_one_axis(h, kh, s[0], sum(pads[0]), d[0], "input height"),
           _one_axis(w, kw, s[1], sum(pads[1]), d[1], "input width"))
    return _flops(n, c_in, c_out, out, (kh, kw), groups)


def im2col_bytes(input_shape: tuple[int, int, int, int], kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, itemsize: int = 4) -> int:
    """Bytes of the im2col matrix that :func:`conv2d` materialises for an input of this shape.

        bytes = N · C_in · kH · kW · H_out · W_out · itemsize

    Each input pixel is copied up to kH·kW times (once per window that covers it).
    """
    n, c_in, h, w = (int(v) for v in input_shape)
    kh, kw = pair(kernel_size, "kernel_size")
    s, d = pair(stride, "stride"), pair(dilation, "dilation")
    check_positive((kh, kw), "kernel_size")
    check_positive(s, "stride")
    check_positive(d, "dilation")
    pads = _resolve_padding(padding, (h, w), (kh, kw), s, d)
    out_h = _one_axis(h, kh, s[0], sum(pads[0]), d[0], "input height")
    out_w = _one_axis(w, kw, s[1], sum(pads[1]), d[1], "input width")
    return n * c_in * kh * kw * out_h * out_w * int(itemsize)

