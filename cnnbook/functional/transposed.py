"""Transposed convolution from scratch, in three readings that give the same numbers.

A transposed convolution is the *adjoint* of a convolution: for every x and y,
``<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>`` (same ``stride``, ``padding``,
``dilation``, ``groups``). It is not an inverse.

- :func:`conv_transpose2d_scatter` (naive, reads like the math): each input value stamps a
  scaled copy of the kernel onto the output, and overlapping stamps add up.
- :func:`conv_transpose2d_zero_insertion`: insert s-1 zeros between input values, pad by
  d(k-1)-p, then run an ordinary stride-1 convolution with the flipped, transposed kernel.
- :func:`conv_transpose2d` (fast): one matrix product for every (input pixel, kernel tap)
  pair, then a "col2im" scatter-add with one strided slice per kernel tap.

All three use PyTorch's layout and argument names: input (N, C_in, H, W) or unbatched
(C_in, H, W), weight (C_in, C_out/groups, kH, kW), bias (C_out,).

Output size per axis: o = (i - 1)s - 2p + d(k - 1) + output_padding + 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

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

__all__ = [
    "conv_transpose2d",
    "conv_transpose2d_scatter",
    "conv_transpose2d_zero_insertion",
    "conv_transpose_output_size",
]



def conv_transpose_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """Output length of a transposed convolution along one axis.

    o = (i - 1)·s - 2p + d(k - 1) + output_padding + 1

    ``output_padding`` must satisfy 0 <= output_padding < max(stride, dilation) (as in
    PyTorch); it picks one of the ``s`` input sizes that a strided convolution maps to the
    same output size. Raises ``ValueError`` if the result would be smaller than 1.

    >>> conv_transpose_output_size(16, 4, stride=2, padding=1)
    32
    >>> conv_transpose_output_size(16, 3, stride=2, padding=1, output_padding=1)
    32
    """
    i = integer(size, "size")
    k = integer(kernel_size, "kernel_size")
    s = integer(stride, "stride")
    p = integer(padding, "padding")
    a = integer(output_padding, "output_padding")
    d = integer(dilation, "dilation")
    check_positive((i,), "size")
    check_positive((k,), "kernel_size")
    check_positive((s,), "stride")
    check_positive((d,), "dilation")
    check_nonnegative((p,), "padding")
    check_nonnegative((a,), "output_padding")
    if a >= max(s, d):
        raise ValueError(
            f"output_padding must be smaller than max(stride, dilation) = {max(s, d)}, got {a}")
    out = (i - 1) * s - 2 * p + d * (k - 1) + a + 1
    if out < 1:
        raise ValueError(
            f"padding={p} is too large: the output size (i-1)s - 2p + d(k-1) + output_padding + 1 "
            f"would be {out}; it must be >= 1")
    return out


class _Prepared(NamedTuple):
    """What the implementations need at the end: the result dtype and whether to drop the batch axis."""

    dtype: np.dtype
    unbatched: bool

    def finish(self, y: np.ndarray) -> np.ndarray:
        y = y.astype(self.dtype, copy=False)
        return y[0] if self.unbatched else y


def _prepare(input, weight, bias, stride, padding, output_padding, groups, dilation):
    """Validate the arguments shared by the three implementations and return them normalised.

    Arrays come back in the accumulation dtype (float32 for float16 operands), with a batch axis.
    """
    x, unbatched = as_batched(input, "input", "(N, C_in, H, W)", "(C_in, H, W)")
    w = as_array(weight, "weight")
    check_ndim(w, 4, "weight", "(C_in, C_out/groups, kH, kW)")
    s, d, g = conv_hyperparameters(stride, dilation, groups)
    p, a = pair(padding, "padding"), pair(output_padding, "output_padding")
    check_nonnegative(p, "padding")
    check_nonnegative(a, "output_padding")
    c_in = x.shape[1]
    check_groups_divide(g, c_in, "in_channels (input.shape[1])")
    if w.shape[0] != c_in:
        raise ValueError(
            f"weight must have shape (C_in, C_out/groups, kH, kW) with C_in={c_in}, got {tuple(w.shape)}")
    if min(w.shape[1:]) < 1:
        raise ValueError(f"weight must have non-empty C_out/groups, kH and kW, got {tuple(w.shape)}")
    c_out = w.shape[1] * g
    b = None
    if bias is not None:
        b = as_array(bias, "bias")
        if b.shape != (c_out,):
            raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {tuple(b.shape)}")
    out_hw = tuple(conv_transpose_output_size(x.shape[2 + ax], w.shape[2 + ax], s[ax], p[ax], a[ax], d[ax])
                   for ax in range(2))
    dtype, acc = compute_dtype(input=x, weight=w, bias=b)
    b = None if b is None else b.astype(acc, copy=False)
    plan = _Prepared(dtype, unbatched)
    return x.astype(acc, copy=False), w.astype(acc, copy=False), b, s, p, a, g, d, c_out, out_hw, plan


def _finish(canvas: np.ndarray, p, out_hw, b) -> np.ndarray:
    """Crop ``padding`` from the top/left of the full canvas, keep ``out_hw``, add the bias."""
    out = canvas[:, :, p[0]:p[0] + out_hw[0], p[1]:p[1] + out_hw[1]]
    if b is not None:
        out = out + b.astype(out.dtype)[None, :, None, None]
    return np.ascontiguousarray(out)


def _canvas_shape(x_shape, w_shape, s, a, d) -> tuple[int, int]:
    """Size of the uncropped output: every stamp fits, plus ``output_padding`` rows/columns."""
    return tuple((x_shape[2 + ax] - 1) * s[ax] + d[ax] * (w_shape[2 + ax] - 1) + 1 + a[ax] for ax in range(2))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> np.ndarray:
    """2-D transposed convolution, vectorised; matches ``torch.nn.functional.conv_transpose2d``.

    Shapes: input (N, C_in, H, W), weight (C_in, C_out/g, kH, kW), bias (C_out,) or None;
    output (N, C_out, H_out, W_out) with H_out = (H-1)s - 2p + d(kH-1) + output_padding + 1.

    Formula, with z the uncropped canvas and c in group q = c // (C_in/g):

        z[n, q·C_out/g + o, s·i + d·u, s·j + d·v] += x[n, c, i, j] · w[c, o, u, v]
        y[n, :, a, b] = z[n, :, a + p, b + p] + bias

    Implementation: one matrix product gives every x[n, c, i, j]·w[c, o, u, v] product,
    then one strided slice-add per kernel tap (u, v) places them on the canvas ("col2im").
    """
    x, w, b, s, p, a, g, d, c_out, out_hw, plan = _prepare(input, weight, bias, stride, padding,
                                                     output_padding, groups, dilation)
    n, c_in, h, wd = x.shape
    kh, kw = w.shape[2:]
    cg_in, cg_out = c_in // g, w.shape[1]
    # cols[n, q, o, u, v, i, j] = sum_c x[n, q, c, i, j] * w[q, c, o, u, v]
    xg = x.reshape(n, g, cg_in, h * wd)
    wg = w.reshape(g, cg_in, cg_out * kh * kw)
    cols = np.matmul(wg.transpose(0, 2, 1)[None], xg)  # (n, g, cg_out*kh*kw, h*wd)
    cols = cols.reshape(n, c_out, kh, kw, h, wd)
    # col2im straight into the output: tap (u, v) of input pixel i lands on row s·i + d·u − p,
    # so only the input rows (and columns) whose stamp falls inside the output are added. The
    # output is held phase by phase, y[.., s·q + r, ..] at phases[.., r, q, ..], so that every
    # add runs over contiguous rows; one copy interleaves the phases at the end.
    qh, qw = -(-out_hw[0] // s[0]), -(-out_hw[1] // s[1])
    phases = np.zeros((n, c_out, s[0], s[1], qh, qw), dtype=x.dtype)
    for u in range(kh):
        rows = _inside(h, s[0], u * d[0] - p[0], out_hw[0])
        if rows is None:
            continue
        i0, i1, r0 = rows
        for v in range(kw):
            cols_ = _inside(wd, s[1], v * d[1] - p[1], out_hw[1])
            if cols_ is None:
                continue
            j0, j1, c0 = cols_
            q, qc = r0 // s[0], c0 // s[1]
            phases[:, :, r0 % s[0], c0 % s[1], q:q + i1 - i0, qc:qc + j1 - j0] += cols[:, :, u, v, i0:i1, j0:j1]
    y = phases.transpose(0, 1, 4, 2, 5, 3).reshape(n, c_out, qh * s[0], qw * s[1])[:, :, :out_hw[0], :out_hw[1]]
    y = np.ascontiguousarray(y)
    if b is not None:
        y += b[None, :, None, None]
    return plan.finish(y)


def _inside(size: int, stride: int, shift: int, out: int) -> tuple[int, int, int] | None:
    """Input indices [i0, i1) whose position stride·i + shift lies in [0, out), and the first position."""
    i0 = max(0, -(shift // stride)) if shift < 0 else 0
    i1 = min(size, (out - 1 - shift) // stride + 1) if out - 1 - shift >= 0 else 0
    if i1 <= i0:
        return None
    return i0, i1, stride * i0 + shift


def conv_transpose2d_scatter(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                             dilation=1) -> np.ndarray:
    """Transposed convolution as a scatter: every input value stamps a scaled kernel (naive loops).

    Same signature, shapes and result as :func:`conv_transpose2d`. For each input pixel
    x[n, c, i, j] the (dilated) kernel w[c] times that value is added to the canvas with its
    top-left corner at (s·i, s·j); the canvas is then cropped by ``padding`` on each side.
    Slow (a Python loop over every input value): for teaching and testing only.
    """
    x, w, b, s, p, a, g, d, c_out, out_hw, plan = _prepare(input, weight, bias, stride, padding,
                                                     output_padding, groups, dilation)
    n, c_in, h, wd = x.shape
    kh, kw = w.shape[2:]
    cg_in, cg_out = c_in // g, w.shape[1]
    canvas = np.zeros((n, c_out) + _canvas_shape(x.shape, w.shape, s, a, d), dtype=x.dtype)
    span_h, span_w = d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1
    for batch in range(n):
        for c in range(c_in):
            q = c // cg_in
            outs = slice(q * cg_out, (q + 1) * cg_out)
            for i in range(h):
                for j in range(wd):
                    top, left = s[0] * i, s[1] * j
                    canvas[batch, outs, top:top + span_h:d[0], left:left + span_w:d[1]] += x[batch, c, i, j] * w[c]
    return plan.finish(_finish(canvas, p, out_hw, b))


def conv_transpose2d_zero_insertion(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                                    groups=1, dilation=1) -> np.ndarray:
    """Transposed convolution as an ordinary convolution of a stretched input.

    Same signature, shapes and result as :func:`conv_transpose2d`. Steps, per axis:

    1. insert s-1 zeros between neighbouring input values (length (i-1)s + 1);
    2. pad by q = d(k-1) - p on the top/left and q + output_padding on the bottom/right
       (a negative q crops instead);
    3. run :func:`cnnbook.functional.conv2d` with stride 1, the same dilation and groups,
       and the kernel flipped in both spatial axes with its two channel axes swapped
       (per group), i.e. w'[q·C_out/g + o, c, u, v] = w[q·C_in/g + c, o, kH-1-u, kW-1-v].
    """
    from cnnbook.functional.conv import conv2d

    x, w, b, s, p, a, g, d, c_out, out_hw, plan = _prepare(input, weight, bias, stride, padding,
                                                     output_padding, groups, dilation)
    n, c_in, h, wd = x.shape
    kh, kw = w.shape[2:]
    cg_in, cg_out = c_in // g, w.shape[1]
    stretched = np.zeros((n, c_in, (h - 1) * s[0] + 1, (wd - 1) * s[1] + 1), dtype=x.dtype)
    stretched[:, :, ::s[0], ::s[1]] = x
    q = (d[0] * (kh - 1) - p[0], d[1] * (kw - 1) - p[1])
    widths = ((0, 0), (0, 0), (max(q[0], 0), max(q[0] + a[0], 0)), (max(q[1], 0), max(q[1] + a[1], 0)))
    padded = np.pad(stretched, widths)
    # a negative q means the ordinary convolution starts inside the stretched input: crop
    top, left = max(-q[0], 0), max(-q[1], 0)
    bottom = padded.shape[2] - max(-(q[0] + a[0]), 0)
    right = padded.shape[3] - max(-(q[1] + a[1]), 0)
    padded = padded[:, :, top:bottom, left:right]
    w_conv = (w.reshape(g, cg_in, cg_out, kh, kw).transpose(0, 2, 1, 3, 4)
              .reshape(c_out, cg_in, kh, kw)[:, :, ::-1, ::-1])
    out = np.asarray(conv2d(padded, np.ascontiguousarray(w_conv), None, 1, 0, d, g), dtype=x.dtype)
    if b is not None:
        out = out + b.astype(out.dtype)[None, :, None, None]
    return plan.finish(out)
