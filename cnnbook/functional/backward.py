"""The backward pass of convolution and pooling, from scratch in NumPy (chapter "Learning the kernels").

Given δ = ∂L/∂y, the gradient of a scalar loss L with respect to a layer's output y, the
backward pass returns the gradients with respect to the layer's inputs and parameters.
Shapes and argument names are those of the forward functions (NCHW):

- x: (N, C_in, H, W), w: (C_out, C_in/g, kH, kW), b: (C_out,), δ: (N, C_out, H_out, W_out).

For the convolution y[n, o, i, j] = b[o] + Σ_{c,u,v} w[o, c, u, v] · x̃[n, gc(o, c), s·i + d·u, s·j + d·v]
(x̃ the zero-padded input, gc(o, c) the input channel c of o's group) the chain rule gives

    ∂L/∂b[o]          = Σ_{n,i,j} δ[n, o, i, j]
    ∂L/∂w[o, c, u, v] = Σ_{n,i,j} δ[n, o, i, j] · x̃[n, gc(o, c), s·i + d·u, s·j + d·v]
    ∂L/∂x̃[n, gc(o, c), s·i + d·u, s·j + d·v] += δ[n, o, i, j] · w[o, c, u, v]

and ∂L/∂x is ∂L/∂x̃ with the padding cropped off. The last line is a transposed convolution
of δ with the same weight: ``conv_transpose2d(δ, w, stride, 0, 0, groups, dilation)``.

- :func:`conv2d_backward_naive` loops over every output element and applies those three lines.
- :func:`conv2d_backward` is vectorised: one GEMM per group against the im2col matrix for
  ∂L/∂w, :func:`~cnnbook.functional.conv_transpose2d` (a GEMM and a col2im) for ∂L/∂x.
- :func:`max_pool2d_backward` sends each δ to the position of its window's maximum (the
  first maximum in row-major order, as PyTorch's CPU kernel), adding where windows overlap.
- :func:`avg_pool2d_backward` spreads each δ evenly, δ / D, over the cells of its window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnbook._validation import as_array, boolean, compute_dtype
from cnnbook.functional.conv import _plan, _resolve_padding, _windows
from cnnbook.functional.pooling import (
    _as_nchw,
    _divisor,
    _float,
    _output_shape,
    _window_args,
    max_pool2d,
)
from cnnbook.functional.transposed import conv_transpose2d

__all__ = ["conv2d_backward", "conv2d_backward_naive", "max_pool2d_backward", "avg_pool2d_backward"]


# ---------------------------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------------------------

def _grad_output(grad_output: Any, expected: tuple[int, ...], what: str) -> np.ndarray:
    """``grad_output`` as an array of the forward output's shape, or a ``ValueError`` naming it."""
    go = as_array(grad_output, "grad_output")
    if go.shape != tuple(expected):
        raise ValueError(
            f"grad_output must have the shape of the {what} output for these arguments, "
            f"{tuple(expected)}, got {tuple(go.shape)}")
    return go


def _conv_setup(grad_output: Any, input: Any, weight: Any, stride: Any, padding: Any, dilation: Any,
                groups: Any):
    """Check the arguments as ``conv2d`` does; return the plan, δ, the pads, the input size and the dtype.

    δ and the plan's arrays come back in the accumulation dtype (float32 for float16), with a
    batch axis; ``plan.finish`` rounds a result and drops the batch axis of unbatched input.
    """
    x_in = as_array(input, "input")
    w_in = as_array(weight, "weight")
    _, acc = compute_dtype(grad_output=as_array(grad_output, "grad_output"), input=x_in, weight=w_in)
    plan = _plan(x_in, w_in, None, stride, padding, dilation, groups)
    n = plan.x.shape[0]
    c_out = plan.w.shape[0]
    expected = (n, c_out) + tuple(plan.out_hw)
    go = _grad_output(grad_output, expected[1:] if plan.unbatched else expected, "conv2d")
    go = go[None] if plan.unbatched else go
    h, w_size = x_in.shape[-2:]
    kh, kw = plan.w.shape[2:]
    pads = _resolve_padding(padding, (h, w_size), (kh, kw), plan.stride, plan.dilation)
    return plan, go.astype(acc, copy=False), pads, (h, w_size), acc


def conv2d_backward_naive(grad_output: Any, input: Any, weight: Any, stride: Any = 1, padding: Any = 0,
                          dilation: Any = 1, groups: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``conv2d`` with explicit loops over the output (slow; reads like the derivation).

    Same signature and results as :func:`conv2d_backward`. For every output element
    δ[n, o, i, j] (four loops: sample, output channel, row, column) and the window W of the
    padded input x̃ that produced it:

        grad_bias[o]           += δ[n, o, i, j]
        grad_weight[o]         += δ[n, o, i, j] · W                (W is C_in/g × kH × kW)
        grad_x̃[n, channels, W] += δ[n, o, i, j] · weight[o]

    and finally the padding is cropped off grad_x̃.
    """
    plan, go, pads, (h, w_in), dtype = _conv_setup(grad_output, input, weight, stride, padding, dilation, groups)
    x = plan.x.astype(dtype, copy=False)
    w = plan.w.astype(dtype, copy=False)
    (sh, sw), (dh, dw) = plan.stride, plan.dilation
    out_h, out_w = plan.out_hw
    n_batch = x.shape[0]
    c_out, c_g, kh, kw = w.shape
    out_per_group = c_out // plan.groups
    grad_x = np.zeros_like(x)
    grad_w = np.zeros_like(w)
    grad_b = np.zeros(c_out, dtype=dtype)
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // out_per_group) * c_g  # first input channel of o's group
            for i in range(out_h):
                for j in range(out_w):
                    delta = go[n, o, i, j]
                    rows = slice(sh * i, sh * i + dh * (kh - 1) + 1, dh)
                    cols = slice(sw * j, sw * j + dw * (kw - 1) + 1, dw)
                    grad_b[o] += delta
                    grad_w[o] += delta * x[n, first:first + c_g, rows, cols]
                    grad_x[n, first:first + c_g, rows, cols] += delta * w[o]
    (pt, _), (pl, _) = pads
    grad_x = np.ascontiguousarray(grad_x[:, :, pt:pt + h, pl:pl + w_in])
    return plan.finish(grad_x), grad_w.astype(plan.dtype), grad_b.astype(plan.dtype)


def conv2d_backward(grad_output: Any, input: Any, weight: Any, stride: Any = 1, padding: Any = 0,
                    dilation: Any = 1, groups: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``conv2d(input, weight, bias, stride, padding, dilation, groups)``, vectorised.

    Args:
        grad_output: δ = ∂L/∂y, shape (N, C_out, H_out, W_out), the forward output's shape.
        input: x, (N, C_in, H, W).
        weight: w, (C_out, C_in/groups, kH, kW).
        stride, padding, dilation, groups: as in :func:`~cnnbook.functional.conv2d`
            (``padding`` may be an int, an (h, w) pair, ``'valid'`` or ``'same'``).

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of x, w and (C_out,):

        - grad_bias[o] = Σ_{n,i,j} δ[n, o, i, j];
        - grad_weight = δ (per group, C_out/g × N·H_out·W_out) times the transposed im2col
          matrix of x (N·H_out·W_out × C_in/g·kH·kW): one GEMM per group, i.e. the
          correlation of the input with δ;
        - grad_input = ``conv_transpose2d(δ, w, stride, dilation=dilation, groups=groups)``
          on the padded grid, with the padding cropped off: a "full" convolution of δ with
          the flipped kernel. Input cells that no window reads get 0.

    Raises ``ValueError`` naming ``grad_output`` when its shape is not the forward output's.
    """
    plan, go, pads, (h, w_in), dtype = _conv_setup(grad_output, input, weight, stride, padding, dilation, groups)
    x = plan.x.astype(dtype, copy=False)
    w = plan.w.astype(dtype, copy=False)
    g = plan.groups
    n, c_in = x.shape[:2]
    c_out, c_g, kh, kw = w.shape
    out_h, out_w = plan.out_hw
    length = out_h * out_w

    grad_b = go.sum(axis=(0, 2, 3))

    # im2col with the batch next to the output positions: (g, C_g·kH·kW, N·H_out·W_out), one copy
    windows = _windows(x, (kh, kw), plan.stride, plan.dilation, plan.out_hw)   # (N, C, kH, kW, Ho, Wo)
    cols = windows.transpose(1, 2, 3, 0, 4, 5).reshape(g, c_g * kh * kw, n * length)
    delta = go.reshape(n, g, c_out // g, length).transpose(1, 2, 0, 3).reshape(g, c_out // g, n * length)
    grad_w = np.matmul(delta, cols.transpose(0, 2, 1)).reshape(c_out, c_g, kh, kw)

    # grad of the padded input: the transposed convolution of δ with the same weight
    canvas = conv_transpose2d(go, w, None, stride=plan.stride, padding=0, output_padding=0,
                              groups=g, dilation=plan.dilation)
    (pt, _), (pl, _) = pads
    grad_x = np.zeros((n, c_in, h, w_in), dtype=dtype)
    rows = min(h, canvas.shape[2] - pt)
    cols_ = min(w_in, canvas.shape[3] - pl)
    if rows > 0 and cols_ > 0:
        grad_x[:, :, :rows, :cols_] = canvas[:, :, pt:pt + rows, pl:pl + cols_]
    return plan.finish(grad_x), grad_w.astype(plan.dtype), grad_b.astype(plan.dtype)


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------

def _pool_grad_output(grad_output: Any, x: np.ndarray, unbatched: bool, out: tuple[int, int],
                      what: str) -> np.ndarray:
    expected = x.shape[:2] + tuple(out)
    go = _grad_output(grad_output, expected[1:] if unbatched else expected, what)
    return go[None] if unbatched else go


def max_pool2d_backward(grad_output: Any, input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                        dilation: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    """Gradient of ``max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)``.

    Each δ[n, c, i, j] goes to the input cell that won its window (the "switch"): the first
    maximum in row-major window order, as PyTorch's CPU kernel. Overlapping windows that pick
    the same cell add up; cells that win no window get 0:

        grad_input[n, c].flat[m] = Σ_{(i, j): switch[n, c, i, j] = m} δ[n, c, i, j]

    A dilated window that covers padding only (its output is −∞ whatever the input) sends its
    δ nowhere. Shapes: ``input`` (N, C, H, W) (or (C, H, W)), ``grad_output`` the forward
    output's shape; returns an array shaped like ``input``.
    """
    x, unbatched = _as_nchw(input)
    x = _float(x)
    k, s, p, d = _window_args(kernel_size, stride, padding, dilation)
    out = _output_shape(x.shape[2:], k, s, p, d, ceil_mode)
    go = _pool_grad_output(grad_output, x, unbatched, out, "max_pool2d")
    dtype, _ = compute_dtype(grad_output=go, input=x)
    _, switches = max_pool2d(x, k, s, p, d, ceil_mode, return_indices=True)
    n, c, h, w = x.shape
    # A dilated window can hold padding only; its output is -inf whatever the input, so its δ
    # reaches no input cell (PyTorch's CPU kernel sends it past the plane; we drop it).
    inside = (switches >= 0) & (switches < h * w)
    planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    flat = np.bincount((switches + planes)[inside], weights=go.astype(np.float64)[inside],
                       minlength=n * c * h * w)
    grad = flat.reshape(x.shape).astype(dtype, copy=False)
    return grad[0] if unbatched else grad


def avg_pool2d_backward(grad_output: Any, input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                        ceil_mode: bool = False, count_include_pad: bool = True) -> np.ndarray:
    """Gradient of ``avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)``.

    Each δ[n, c, i, j] is spread evenly over its window: every cell of the window receives
    δ[n, c, i, j] / D[i, j], where D is the forward pass's divisor. Overlaps add up and the
    padding's share is dropped:

        grad_x̃[n, c, s_h·i + u, s_w·j + v] += δ[n, c, i, j] / D[i, j],   grad_input = crop(grad_x̃)

    Shapes: ``input`` (N, C, H, W) (or (C, H, W)), ``grad_output`` the forward output's shape;
    returns an array shaped like ``input``.
    """
    x, unbatched = _as_nchw(input)
    x = _float(x)
    k, s, p, d = _window_args(kernel_size, stride, padding, 1)
    out = _output_shape(x.shape[2:], k, s, p, d, ceil_mode)
    go = _pool_grad_output(grad_output, x, unbatched, out, "avg_pool2d")
    count_include_pad = boolean(count_include_pad, "count_include_pad")
    dtype, acc = compute_dtype(grad_output=go, input=x)
    n, c, h, w = x.shape
    div_h = _divisor(h, out[0], k[0], s[0], p[0], count_include_pad)
    div_w = _divisor(w, out[1], k[1], s[1], p[1], count_include_pad)
    share = go.astype(acc) / (div_h[:, None] * div_w[None, :]).astype(acc)
    # canvas over the padded grid, large enough for every window (a ceil_mode window may overhang)
    span_h = (out[0] - 1) * s[0] + k[0]
    span_w = (out[1] - 1) * s[1] + k[1]
    canvas = np.zeros((n, c, max(span_h, p[0] + h), max(span_w, p[1] + w)), dtype=acc)
    for u in range(k[0]):
        for v in range(k[1]):
            canvas[:, :, u:u + (out[0] - 1) * s[0] + 1:s[0], v:v + (out[1] - 1) * s[1] + 1:s[1]] += share
    grad = np.ascontiguousarray(canvas[:, :, p[0]:p[0] + h, p[1]:p[1] + w]).astype(dtype, copy=False)
    return grad[0] if unbatched else grad
