"""Convolutional blocks (chapter "Convolutional blocks") and small probes of what a CNN computes
(chapter "Why convolutions").

Blocks, all NCHW:

- :class:`ConvBlock`: conv -> normalization and/or pooling -> activation (the notes' basic recipe).
- :class:`VGGBlock`: conv3x3 -> ReLU -> conv3x3 -> ReLU -> 2x2 pool (the traditional two-conv block).
- :class:`EncoderBlock`: stride-2 conv3x3 -> BN -> ReLU, H -> ceil(H/2).
- :class:`DecoderBlock`: upsample x2 -> conv3x3 -> BN -> ReLU, or a ConvT(k=4, s=2, p=1) -> BN -> ReLU.
- :class:`UNet`: encoder blocks with skip connections into decoder blocks and a final 1x1 conv;
  it returns logits, and :meth:`UNet.predict` applies the sigmoid at inference.

Probes (used by "Why convolutions"):

- :func:`match_size`: crop or zero-pad a map to a given (H, W) (how the U-Net handles odd sizes).
- :func:`trace_shapes`: the output shape of every layer, in the order the layers run.
- :func:`conv_matrix`: the dense matrix of a single-channel 2-D convolution.
- :func:`gradient_receptive_field` and :func:`receptive_field_extent`: which input pixels reach one output.
- :func:`shift_response`: how much a feature map changes when its input is shifted.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook._validation import choice, positive_int

__all__ = [
    "ConvBlock",
    "VGGBlock",
    "EncoderBlock",
    "DecoderBlock",
    "UNet",
    "NORMS",
    "POOLS",
    "ACTIVATIONS",
    "DECODER_MODES",
    "match_size",
    "trace_shapes",
    "conv_matrix",
    "gradient_receptive_field",
    "receptive_field_extent",
    "shift_response",
]

NORMS = ("batch", None)
POOLS = ("max", "avg", None)
ACTIVATIONS = ("relu", "leaky_relu", "gelu", "sigmoid", None)
DECODER_MODES = ("bilinear", "nearest", "transposed")


# ----------------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------------

def _pool_layer(pool: str | None) -> nn.Module | None:
    if pool == "max":
        return nn.MaxPool2d(2, 2)
    if pool == "avg":
        return nn.AvgPool2d(2, 2)
    return None


def _activation_layer(activation: str | None) -> nn.Module | None:
    return {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.1), "gelu": nn.GELU,
            "sigmoid": nn.Sigmoid, None: lambda: None}[activation]()


# ----------------------------------------------------------------------------------------------
# blocks
# ----------------------------------------------------------------------------------------------

class ConvBlock(nn.Module):
    """conv -> [batch norm] -> [2x2 pool] -> [activation], the basic building block.

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H', W') with, per spatial dimension,
    ``H_conv = floor((H + 2p - k) / s) + 1`` and ``H' = floor(H_conv / 2)`` when ``pool`` is set.

    - ``padding=None`` means "same" for stride 1 (``H_conv = H``, asymmetric for even k, as PyTorch's
      ``padding='same'``) and ``(k - 1) // 2`` for larger strides, which gives ``ceil(H / s)`` for odd k.
    - ``norm`` is ``'batch'`` or ``None``. With batch norm the conv has no bias (BN's shift replaces it).
    - ``pool`` is ``'max'``, ``'avg'`` or ``None`` (2x2 window, stride 2, floor for odd sizes).
    - ``activation`` is ``'relu'``, ``'leaky_relu'`` (slope 0.1), ``'gelu'``, ``'sigmoid'`` or ``None``.

    Parameters: ``k^2 * C_in * C_out`` weights, plus ``C_out`` conv biases without norm, or
    ``2 * C_out`` BN scales and shifts with it.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int | None = None, norm: str | None = "batch", activation: str | None = "relu",
                 pool: str | None = None) -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        kernel_size = positive_int(kernel_size, "kernel_size")
        stride = positive_int(stride, "stride")
        if padding is not None:
            if isinstance(padding, bool) or not isinstance(padding, numbers.Integral):
                raise TypeError(f"padding must be None or a non-negative int, got {padding!r}")
            if padding < 0:
                raise ValueError(f"padding must be None or a non-negative int, got {padding}")
        choice(norm, NORMS, "norm")
        choice(pool, POOLS, "pool")
        choice(activation, ACTIVATIONS, "activation")
        if padding is None:
            pad: int | str = "same" if stride == 1 else (kernel_size - 1) // 2
        else:
            pad = int(padding)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=pad,
                              bias=norm is None)
        self.norm = nn.BatchNorm2d(out_channels) if norm == "batch" else None
        self.pool = _pool_layer(pool)
        self.act = _activation_layer(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        for layer in (self.norm, self.pool, self.act):
            if layer is not None:
                x = layer(x)
        return x


class VGGBlock(nn.Sequential):
    """The traditional block: conv3x3 -> ReLU -> conv3x3 -> ReLU -> 2x2 pool (Simonyan & Zisserman, 2015).

    Shapes: (N, in_channels, H, W) -> (N, out_channels, floor(H/2), floor(W/2)); with ``pool=None``
    the size is kept. ``pool`` is ``'max'`` (default), ``'avg'`` or ``None``. Both convs have padding 1
    and a bias, so the block has ``9*C_in*C_out + 9*C_out^2 + 2*C_out`` parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, pool: str | None = "max") -> None:
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        choice(pool, POOLS, "pool")
        layers: list[nn.Module] = [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU(),
                                   nn.Conv2d(out_channels, out_channels, 3, padding=1), nn.ReLU()]
        if pool is not None:
            layers.append(_pool_layer(pool))
        super().__init__(*layers)


class EncoderBlock(ConvBlock):
    """A downsampling step: conv(k=3, s=2, p=1, no bias) -> BN -> ReLU.

    Shapes: (N, in_channels, H, W) -> (N, out_channels, ceil(H/2), ceil(W/2)), because
    ``floor((H + 2 - 3) / 2) + 1 = ceil(H / 2)``. Parameters: ``9*C_in*C_out + 2*C_out``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, kernel_size=3, stride=2, padding=1,
                         norm="batch", activation="relu")


class DecoderBlock(nn.Module):
    """An upsampling step: x2 upsample -> conv3x3 (p=1) -> BN -> ReLU, or ConvT(k=4, s=2, p=1) -> BN -> ReLU.

    ``mode`` is ``'bilinear'`` (``align_corners=False``), ``'nearest'`` (both "resize-convolution")
    or ``'transposed'`` (a learned upsampling; k=4 is divisible by s=2, so the overlap is even).

    Shapes: (N, in_channels, H, W) -> (N, out_channels, 2H, 2W); ``forward(x, size=(H', W'))`` then
    crops (or zero-pads) the result to ``(H', W')`` at the bottom/right, which is how a U-Net meets an
    odd-sized skip connection. Conv biases are off (BN follows). Parameters: ``9*C_in*C_out + 2*C_out``
    for the resize modes, ``16*C_in*C_out + 2*C_out`` for ``'transposed'``.
    """

    def __init__(self, in_channels: int, out_channels: int, mode: str = "bilinear") -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        self.mode = choice(mode, DECODER_MODES, "mode")
        if mode == "transposed":
            self.up = None
            self.conv = nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=False)
        else:
            self.up = nn.Upsample(scale_factor=2, mode=mode, align_corners=False if mode == "bilinear" else None)
            self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor, size: tuple[int, int] | None = None) -> torch.Tensor:
        if self.up is not None:
            x = self.up(x)
        x = self.act(self.norm(self.conv(x)))
        return x if size is None else match_size(x, size)


class UNet(nn.Module):
    """A small U-Net (after Ronneberger, Fischer & Brox, MICCAI 2015) with same-size output.

    Layout for ``widths = (w_0, ..., w_L)``:

    - stem: ``ConvBlock(in_channels, w_0)`` at full resolution (a skip);
    - encoder: ``EncoderBlock(w_{l-1}, w_l)`` for l = 1..L, each halving H and W (ceil); all but the
      deepest output are skips;
    - decoder, for l = L..1: ``DecoderBlock(w_l, w_{l-1}, mode)`` upsampled and cropped to the skip's
      size, concatenated with the skip (2 w_{l-1} channels), then fused by ``ConvBlock(2 w_{l-1}, w_{l-1})``;
    - head: a 1x1 conv ``w_0 -> out_channels`` with a bias.

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H, W) for any H, W >= 1 (odd sizes too).
    ``forward`` returns **logits**: train them with ``nn.BCEWithLogitsLoss``. :meth:`predict` applies the
    sigmoid (probabilities in (0, 1)) or, given a threshold, returns a boolean mask.
    """

    def __init__(self, in_channels: int, out_channels: int, widths: Sequence[int] = (16, 32, 64),
                 mode: str = "bilinear") -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) == 0:
            raise TypeError(f"widths must be a non-empty sequence of positive ints, got {widths!r}")
        widths = tuple(positive_int(w, "widths") for w in widths)
        choice(mode, DECODER_MODES, "mode")
        self.widths = widths
        self.stem = ConvBlock(in_channels, widths[0])
        self.encoders = nn.ModuleList(EncoderBlock(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.decoders = nn.ModuleList(DecoderBlock(b, a, mode) for a, b in zip(widths[:-1], widths[1:]))
        self.fuse = nn.ModuleList(ConvBlock(2 * a, a) for a in widths[:-1])
        self.head = nn.Conv2d(widths[0], out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        skips = [x]
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
        skips.pop()  # the deepest map is not a skip
        for level in reversed(range(len(self.decoders))):
            skip = skips[level]
            x = self.decoders[level](x, size=tuple(skip.shape[-2:]))
            x = self.fuse[level](torch.cat([skip, x], dim=1))
        return self.head(x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, threshold: float | None = None) -> torch.Tensor:
        """Inference: ``sigmoid(logits)`` in eval mode, or the mask ``sigmoid(logits) > threshold``."""
        was_training = self.training
        self.eval()
        try:
            probs = torch.sigmoid(self(x))
        finally:
            self.train(was_training)
        if threshold is None:
            return probs
        if not 0.0 < float(threshold) < 1.0:
            raise ValueError(f"threshold must be in (0, 1) or None, got {threshold!r}")
        return probs > threshold


# ----------------------------------------------------------------------------------------------
# probes
# ----------------------------------------------------------------------------------------------

def match_size(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Crop (bottom/right) or zero-pad (bottom/right) the last two dimensions of ``x`` to ``size = (H, W)``.

    Shapes: (..., H_x, W_x) -> (..., H, W). Rows ``0..min(H, H_x)-1`` and columns ``0..min(W, W_x)-1``
    are kept as they are, so a map upsampled from a ceil(H/2) grid lines up with the original grid.
    """
    if not isinstance(x, torch.Tensor) or x.ndim < 2:
        raise TypeError(f"x must be a tensor with at least 2 dimensions, got {type(x).__name__}")
    if not isinstance(size, Sequence) or len(size) != 2:
        raise TypeError(f"size must be a pair (H, W) of positive ints, got {size!r}")
    h, w = (positive_int(s, "size") for s in size)
    x = x[..., :h, :w]
    dh, dw = h - x.shape[-2], w - x.shape[-1]
    if dh or dw:
        x = F.pad(x, (0, dw, 0, dh))
    return x


def trace_shapes(model: nn.Module, x: torch.Tensor) -> list[tuple[str, str, tuple[int, ...]]]:
    """Run ``model(x)`` once (no gradients) and record every leaf layer's output shape in call order.

    Returns a list of ``(name, layer type, output shape)``, where ``name`` is the layer's dotted path in
    ``model`` (for example ``'encoders.0.conv'``). Operations that are not modules (such as the U-Net's
    concatenation) do not appear, but their effect shows in the next layer's input.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    records: list[tuple[str, str, tuple[int, ...]]] = []
    hooks = []
    for name, module in model.named_modules():
        if name and not any(True for _ in module.children()):
            def hook(mod, inputs, output, name=name):
                records.append((name, type(mod).__name__, tuple(output.shape)))
            hooks.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return records


def conv_matrix(weight: torch.Tensor, height: int, width: int, padding: int = 0) -> torch.Tensor:
    """The matrix M of a single-channel 2-D cross-correlation, so ``conv(x).flatten() = M @ x.flatten()``.

    ``weight`` is (k_h, k_w); the input is (height, width); zero padding ``padding`` per side.
    M has shape (H_out * W_out, height * width) with ``H_out = height + 2p - k_h + 1``; row ``r = i*W_out + j``
    holds the kernel placed at output (i, j): ``M[r, (i + u - p) * width + (j + v - p)] = w[u, v]``.
    """
    if not isinstance(weight, torch.Tensor) or weight.ndim != 2:
        raise TypeError(f"weight must be a 2-D tensor (k_h, k_w), got {getattr(weight, 'shape', type(weight))}")
    height, width = positive_int(height, "height"), positive_int(width, "width")
    if isinstance(padding, bool) or not isinstance(padding, numbers.Integral) or padding < 0:
        raise ValueError(f"padding must be a non-negative int, got {padding!r}")
    basis = torch.eye(height * width, dtype=weight.dtype).reshape(-1, 1, height, width)
    out = F.conv2d(basis, weight[None, None], padding=int(padding))  # column c of M, for each basis image c
    if out.shape[-1] < 1 or out.shape[-2] < 1:
        raise ValueError(f"the kernel {tuple(weight.shape)} does not fit a {height}x{width} input with padding {padding}")
    return out.reshape(height * width, -1).T.contiguous()


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
    array = saliency.detach().cpu().numpy() if isinstance(saliency, torch.Tensor) else np.asarray(saliency)
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
