"""Measuring tools: what a layer or a network computes, measured from outside.

These probes treat an operation as a black box and measure it:

- :func:`operator_matrix`: the matrix of any linear map of arrays, read off its responses to
  unit impulses. Two views of it:
  - :func:`conv_matrix`: the dense matrix of a single-channel 2-D convolution (chapter "Why convolutions");
  - :func:`linear_weights`: the weights with which a linear resampler makes one output pixel
    (chapter "Pooling").
- :func:`gradient_receptive_field` and :func:`receptive_field_extent`: which input pixels reach
  one output unit.
- :func:`shift_response`: how much a feature map changes when its input shifts.
- :func:`trace_shapes`: the output shape of every layer of a model, in call order.
- :func:`conv_macs`: multiply-accumulates of every convolution of a model on one input, counted
  with :func:`cnnbook.functional.conv.conv_flops`.
- :func:`nyquist_energy`: the share of an image's spectral energy at the highest frequency
  (a checkerboard detector, chapter "Transposed and gated convolution").
- :func:`phase_residual`: the mean of output − target at each phase (row mod s, col mod s) of
  an upsampler's output grid (a second checkerboard detector, same chapter).

The NumPy probes (:func:`operator_matrix`, :func:`linear_weights`, :func:`receptive_field_extent`,
:func:`nyquist_energy`, :func:`phase_residual`) need no torch; the others import it when called.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnbook._validation import as_array, check_positive, integer, pair, positive_int
from cnnbook.functional.conv import conv_flops

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from torch import nn

__all__ = [
    "operator_matrix",
    "conv_matrix",
    "linear_weights",
    "gradient_receptive_field",
    "receptive_field_extent",
    "shift_response",
    "trace_shapes",
    "conv_macs",
    "nyquist_energy",
    "phase_residual",
]


# ----------------------------------------------------------------------------------------------
# the matrix of a linear operator
# ----------------------------------------------------------------------------------------------

def operator_matrix(operator: Callable[[np.ndarray], Any], shape: Sequence[int],
                    dtype: Any = np.float64) -> np.ndarray:
    """The matrix of a linear map of arrays, read off its responses to the unit impulses.

    ``operator`` maps a batch (B, *shape) of inputs to a batch (B, *out_shape) of outputs; a
    NumPy array or a torch tensor may come back. We feed it the B = prod(shape) unit impulses
    e_m (one 1, zeros elsewhere, in row-major order) and return M of shape
    (*out_shape, *shape) with M[out, in] = operator(e_in)[out]. For a linear operator,
    operator(x)[out] = Σ_in M[out, in] · x[in].
    """
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or not shape:
        raise TypeError(f"shape must be a non-empty sequence of positive ints, got {shape!r}")
    shape = tuple(positive_int(v, "shape") for v in shape)
    size = math.prod(shape)
    impulses = np.eye(size, dtype=dtype).reshape((size,) + shape)
    response = as_array(operator(impulses), "operator output")
    if response.ndim < 1 or response.shape[0] != size:
        raise ValueError(f"operator must return one output per input of the batch ({size}), "
                         f"got shape {tuple(response.shape)}")
    out_shape = response.shape[1:]
    moved = np.moveaxis(response.reshape(size, -1), 0, 1)   # (prod(out_shape), prod(shape))
    return np.ascontiguousarray(moved).reshape(out_shape + shape)


def conv_matrix(weight: torch.Tensor, height: int, width: int, padding: int = 0) -> torch.Tensor:
    """The matrix M of a single-channel 2-D cross-correlation, so ``conv(x).flatten() = M @ x.flatten()``.

    ``weight`` is (k_h, k_w); the input is (height, width); zero padding ``padding`` per side.
    M has shape (H_out * W_out, height * width) with ``H_out = height + 2p - k_h + 1``; row ``r = i*W_out + j``
    holds the kernel placed at output (i, j): ``M[r, (i + u - p) * width + (j + v - p)] = w[u, v]``.
    Built with :func:`operator_matrix` from ``torch.nn.functional.conv2d``; returns a tensor of
    ``weight``'s dtype.
    """
    import torch
    import torch.nn.functional as F

    if not isinstance(weight, torch.Tensor) or weight.ndim != 2:
        raise TypeError(f"weight must be a 2-D tensor (k_h, k_w), got {getattr(weight, 'shape', type(weight))}")
    height, width = positive_int(height, "height"), positive_int(width, "width")
    padding = integer(padding, "padding")
    if padding < 0:
        raise ValueError(f"padding must be a non-negative int, got {padding!r}")
    if height + 2 * padding < weight.shape[0] or width + 2 * padding < weight.shape[1]:
        raise ValueError(f"the kernel {tuple(weight.shape)} does not fit a {height}x{width} input with padding {padding}")

    def convolve(x: np.ndarray) -> torch.Tensor:
        return F.conv2d(torch.from_numpy(x).to(weight.dtype), weight[None, None].detach(), padding=padding)

    m = operator_matrix(convolve, (1, height, width))     # (1, H_out, W_out, 1, height, width)
    out = m.shape[1] * m.shape[2]
    return torch.from_numpy(m.reshape(out, height * width)).to(weight.dtype)


def linear_weights(operator: Callable[[np.ndarray], Any], shape: tuple[int, int],
                   position: tuple[int, int]) -> np.ndarray:
    """The (H, W) weights with which a linear map of images produces one output pixel.

    ``operator`` maps an (N, 1, H, W) float64 array (NumPy; a torch-based operator can wrap
    it) to an (N, 1, H', W') array. For a linear operator, y[i, j] = Σ_{r,c} W[r, c] · x[r, c]
    at output pixel ``position`` = (i, j), and the returned array is W: one slice of
    :func:`operator_matrix`.
    """
    h, w = pair(tuple(shape), "shape")
    check_positive((h, w), "shape")
    i, j = pair(tuple(position), "position")
    m = operator_matrix(operator, (1, h, w))
    if m.ndim != 6 or m.shape[0] != 1:
        raise ValueError(f"operator must return an (N, 1, H', W') array for an (N, 1, H, W) input, "
                         f"got output shape (N,) + {tuple(m.shape[:-3])}")
    if not (0 <= i < m.shape[1] and 0 <= j < m.shape[2]):
        raise ValueError(f"position must index the operator's output of size {tuple(m.shape[1:3])}, "
                         f"got {(i, j)}")
    return np.asarray(m[0, i, j, 0], dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# receptive fields, shifts, shapes and costs of a network
# ----------------------------------------------------------------------------------------------

def trace_shapes(model: nn.Module, x: torch.Tensor) -> list[tuple[str, str, tuple[int, ...]]]:
    """Run ``model(x)`` once (no gradients) and record every leaf layer's output shape in call order.

    Returns a list of ``(name, layer type, output shape)``, where ``name`` is the layer's dotted path in
    ``model`` (for example ``'encoders.0.conv'``). Operations that are not modules (such as the U-Net's
    concatenation) do not appear, but their effect shows in the next layer's input.
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    records: list[tuple[str, str, tuple[int, ...]]] = []

    def record(name: str) -> Callable:
        return lambda mod, inputs, output: records.append((name, type(mod).__name__, tuple(output.shape)))

    leaves = [(module, record(name)) for name, module in model.named_modules()
              if name and not any(True for _ in module.children())]
    _forward_with_hooks(model, x, leaves)
    return records


def gradient_receptive_field(model: nn.Module, input_shape: Sequence[int], index: Sequence[int],
                             samples: int = 8, seed: int = 0) -> torch.Tensor:
    """Mean |d y[index] / d x| over ``samples`` random inputs: the receptive field of one output unit.

    ``input_shape`` is (C, H, W); ``index`` is (channel, i, j) into the model's (C', H', W') output.
    Returns an (H, W) float tensor, summed over input channels; it is non-zero exactly where the
    input reaches that output (for at least one of the random inputs, drawn from a standard normal
    distribution, so that ReLUs see both signs).
    The model runs in eval mode (so batch norm uses its running statistics and inputs do not mix);
    its mode is restored afterwards. A ReLU or a max pool can hide a pixel for one input, which is why
    several inputs are averaged.
    """
    import torch

    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {tuple(input_shape)}")
    if len(index) != 3:
        raise ValueError(f"index must be (channel, i, j) into the output, got {tuple(index)}")
    samples = positive_int(samples, "samples")
    generator = torch.Generator().manual_seed(seed)
    dtype = next((p.dtype for p in model.parameters()), torch.float32)
    x = torch.randn((samples, *input_shape), generator=generator, dtype=dtype, requires_grad=True)
    was_training = model.training
    model.eval()
    try:
        y = model(x)
        c, i, j = index
        if not (0 <= c < y.shape[1] and 0 <= i < y.shape[2] and 0 <= j < y.shape[3]):
            raise ValueError(f"index must lie inside the output of shape {tuple(y.shape[1:])}, got {tuple(index)}")
        y[:, c, i, j].sum().backward()
    finally:
        model.train(was_training)
    return x.grad.abs().sum(dim=1).mean(dim=0).detach()


def receptive_field_extent(saliency: torch.Tensor | np.ndarray, tol: float = 0.0) -> tuple[int, int]:
    """Height and width of the bounding box of the entries of an (H, W) map whose value exceeds ``tol``."""
    array = as_array(saliency, "saliency")
    if array.ndim != 2:
        raise ValueError(f"saliency must be a 2-D (H, W) map, got shape {array.shape}")
    rows = np.flatnonzero((array > tol).any(axis=1))
    cols = np.flatnonzero((array > tol).any(axis=0))
    if rows.size == 0:
        return 0, 0
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def shift_response(feature_fn: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor,
                   shifts: Sequence[int], stride: int = 1, width: int | None = None) -> dict[str, np.ndarray]:
    """How a feature map responds to horizontal shifts of its input, measured without wrap-around.

    ``image`` is (N, C, H, W_big); the shifted input ``x_t`` is the window of columns ``t .. t + width - 1``
    (so the content moves t pixels to the left; ``width`` defaults to ``W_big - max(shifts)``), and
    ``F_t = feature_fn(x_t)`` has total downsampling factor ``stride``. With ``m = round(t / stride)``:

    - ``invariance[t]  = ||F_t - F_0|| / ||F_0||`` (0 means the features ignore the shift);
    - ``equivariance[t] = ||F_t[..., :W'-m] - F_0[..., m:]|| / ||F_0[..., m:]||`` (0 means the
      features move with the input, by m feature pixels); NaN when ``m`` is not smaller than the
      feature map's width W' (for example after global pooling, where W' = 1).

    Returns ``{"shifts", "invariance", "equivariance"}`` as NumPy arrays.
    """
    import torch

    stride = positive_int(stride, "stride")
    shifts = [int(t) for t in shifts]
    if not shifts or min(shifts) < 0:
        raise ValueError(f"shifts must be a non-empty list of non-negative ints, got {shifts!r}")
    if width is None:
        width = image.shape[-1] - max(shifts)
    if width < 1 or width + max(shifts) > image.shape[-1]:
        raise ValueError(f"width must be >= 1 and width + max(shifts) <= {image.shape[-1]}, got {width}")
    with torch.no_grad():
        base = feature_fn(image[..., 0:width])
        inv, eqv = [], []
        for t in shifts:
            feats = feature_fn(image[..., t:t + width])
            inv.append(float((feats - base).norm() / base.norm()))
            m = int(round(t / stride))
            keep = base.shape[-1] - m
            if keep < 1:  # the features moved out of the map: nothing left to compare
                eqv.append(float("nan"))
                continue
            ref = base[..., m:]
            eqv.append(float((feats[..., :keep] - ref).norm() / ref.norm()))
    return {"shifts": np.asarray(shifts), "invariance": np.asarray(inv), "equivariance": np.asarray(eqv)}


def conv_macs(model: nn.Module, input: torch.Tensor) -> int:
    """Multiply-accumulates of every ``nn.Conv2d`` in ``model`` on one forward pass of ``input``.

    Each convolution costs C_out · (C_in / groups) · kH · kW multiply-adds per output pixel
    (bias ignored): half of :func:`cnnbook.functional.conv.conv_flops` on the shapes it sees.
    Counted with forward hooks, so a branch that runs on a pooled 1x1 map is charged for one
    pixel only.
    """
    import torch
    from torch import nn

    total = 0

    def hook(module: nn.Conv2d, inputs: tuple[torch.Tensor, ...], _output: torch.Tensor) -> None:
        nonlocal total
        shape = tuple(inputs[0].shape)
        shape = (1,) + shape if len(shape) == 3 else shape
        total += conv_flops(shape, tuple(module.weight.shape), module.stride, module.padding,
                            module.dilation, module.groups) // 2

    _forward_with_hooks(model, input, [(m, hook) for m in model.modules() if isinstance(m, nn.Conv2d)])
    return total


def _forward_with_hooks(model: nn.Module, x: torch.Tensor, hooks: Sequence[tuple[nn.Module, Callable]]) -> None:
    """Run ``model(x)`` once without gradients, with each ``(module, hook)`` registered as a forward hook.

    The hooks are removed afterwards, also when the forward pass raises.
    """
    import torch

    handles = [module.register_forward_hook(hook) for module, hook in hooks]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()


# ----------------------------------------------------------------------------------------------
# spectra
# ----------------------------------------------------------------------------------------------

def nyquist_energy(images) -> np.ndarray:
    """Fraction of each image's spectral energy on the Nyquist lines (a checkerboard detector).

    Shapes: images (..., H, W) with H and W even → one value per image, shape (...,).
    With P = |FFT2(x - mean(x))|², the value is (Σ over rows k_h = H/2 or columns k_w = W/2
    of P) / Σ P: the share of energy at the highest frequency that alternates every pixel,
    which is where a checkerboard puts its energy. 0 for a constant image.
    """
    x = as_array(images, "images").astype(np.float64)
    if x.ndim < 2 or x.shape[-1] % 2 or x.shape[-2] % 2:
        raise ValueError(f"images must have shape (..., H, W) with even H and W, got {tuple(x.shape)}")
    x = x - x.mean(axis=(-2, -1), keepdims=True)
    power = np.abs(np.fft.fft2(x)) ** 2
    h, w = x.shape[-2] // 2, x.shape[-1] // 2
    lines = power[..., h, :].sum(-1) + power[..., :, w].sum(-1) - power[..., h, w]
    total = power.sum(axis=(-2, -1))
    return np.divide(lines, total, out=np.zeros_like(total), where=total > 0)


def phase_residual(output, target, stride) -> np.ndarray:
    """Mean residual output − target at each phase (row mod s_h, column mod s_w): a checkerboard detector.

    Shapes: output and target (..., H, W), the same shape, with H >= s_h and W >= s_w → (..., s_h, s_w).
    ``stride`` is an int s or a pair (s_h, s_w): the upsampling factor of the layer that made
    ``output``. With r = output − target,

        phase_residual(output, target, s)[..., a, b] = mean over i ≡ a (mod s_h), j ≡ b (mod s_w) of r[..., i, j],

    one s_h × s_w table per image (average over images afterwards, e.g. ``.mean(axis=(0, 1))`` for
    (N, C, H, W)). An upsampler whose output pixels at different phases are made by different
    kernel taps, such as a transposed convolution with uneven overlap, can be biased differently at
    each phase; the table shows that bias, and its spread (max − min) is the amplitude of the
    periodic pattern that the bias draws. Unlike :func:`nyquist_energy`, it compares with the
    target, so a pattern that the target itself has does not count. A table of equal entries
    means no periodic bias (the common value is the overall bias).
    """
    out = as_array(output, "output").astype(np.float64)
    tgt = as_array(target, "target").astype(np.float64)
    if out.shape != tgt.shape:
        raise ValueError(f"output and target must have the same shape, got {out.shape} and {tgt.shape}")
    sh, sw = pair(stride, "stride")
    check_positive((sh, sw), "stride")
    if out.ndim < 2 or out.shape[-2] < sh or out.shape[-1] < sw:
        raise ValueError(f"output must have shape (..., H, W) with H >= {sh} and W >= {sw} (the stride), "
                         f"got {out.shape}")
    residual = out - tgt
    table = np.empty(residual.shape[:-2] + (sh, sw))
    for a in range(sh):
        for b in range(sw):
            table[..., a, b] = residual[..., a::sh, b::sw].mean(axis=(-2, -1))
    return table
