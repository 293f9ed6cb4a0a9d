"""Convolutional blocks (chapter "Convolutional blocks").

Blocks, all NCHW:

- :class:`ConvBlock`: conv -> normalization and/or pooling -> activation (the notes' basic recipe).
- :class:`VGGBlock`: conv3x3 -> ReLU -> conv3x3 -> ReLU -> 2x2 pool (the traditional two-conv block).
- :class:`EncoderBlock`: stride-2 conv3x3 -> BN -> ReLU, H -> ceil(H/2).
- :class:`DecoderBlock`: upsample x2 -> conv3x3 -> BN -> ReLU, or a ConvT(k=4, s=2, p=1) -> BN -> ReLU.
- :class:`UNet`: encoder blocks with skip connections into decoder blocks and a final 1x1 conv;
  it returns logits, and :meth:`UNet.predict` applies the sigmoid at inference. ``skips=False``
  removes the skip connections (the ablation of the chapter's experiment).

Helpers:

- :func:`match_size`: crop or zero-pad a map to a given (H, W) (how the U-Net handles odd sizes).
- :func:`calibrate_batch_norm`: set every batch norm's running statistics from one batch, so that a
  freshly built network in eval mode standardises its channels as it does in training.

The measuring tools of the chapter "Why convolutions" live in :mod:`cnnbook.probes`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

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
    "calibrate_batch_norm",
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

    With ``skips=False`` (the ablation without skip connections) nothing is concatenated: the
    decoder output goes straight into ``ConvBlock(w_{l-1}, w_{l-1})``, so the network is a plain
    encoder-decoder whose only path runs through the deepest map, with ``9 w_{l-1}^2`` fewer weights
    per level.

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H, W) for any H, W >= 1 (odd sizes too).
    ``forward`` returns **logits**: train them with ``nn.BCEWithLogitsLoss``. :meth:`predict` applies the
    sigmoid (probabilities in (0, 1)) or, given a threshold, returns a boolean mask.
    """

    def __init__(self, in_channels: int, out_channels: int, widths: Sequence[int] = (16, 32, 64),
                 mode: str = "bilinear", skips: bool = True) -> None:
        super().__init__()
        if not isinstance(skips, bool):
            raise TypeError(f"skips must be a bool, got {type(skips).__name__} {skips!r}")
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) == 0:
            raise TypeError(f"widths must be a non-empty sequence of positive ints, got {widths!r}")
        widths = tuple(positive_int(w, "widths") for w in widths)
        choice(mode, DECODER_MODES, "mode")
        self.widths = widths
        self.skips = skips
        self.stem = ConvBlock(in_channels, widths[0])
        self.encoders = nn.ModuleList(EncoderBlock(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.decoders = nn.ModuleList(DecoderBlock(b, a, mode) for a, b in zip(widths[:-1], widths[1:]))
        self.fuse = nn.ModuleList(ConvBlock(2 * a if skips else a, a) for a in widths[:-1])
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
            x = self.fuse[level](torch.cat([skip, x], dim=1) if self.skips else x)
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


@torch.no_grad()
def calibrate_batch_norm(model: nn.Module, x: torch.Tensor) -> nn.Module:
    """Set the running statistics of every batch norm in ``model`` to those of the batch ``x``.

    A freshly built ``nn.BatchNorm2d`` stores running mean 0 and variance 1, so in eval mode it does
    not standardise anything, while in training mode it does. Probes that run a model in eval mode
    (such as :func:`cnnbook.probes.gradient_receptive_field`) then see a network that training never
    sees. This function resets each batch norm's running statistics, runs ``model(x)`` once in training
    mode with ``momentum=None`` (a cumulative average over one batch is that batch's statistics), and
    restores the momenta and the model's mode. Afterwards each batch norm holds, per channel, the
    mean and the unbiased variance of its input over the ``N * H * W`` values of ``x``'s forward pass.

    ``x``: a batch the model accepts, e.g. (N, C, H, W) with N * H * W > 1. Returns ``model``.
    Layers other than batch norm are unchanged; a model without batch norm is returned as it is.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return model
    momenta = [m.momentum for m in norms]
    was_training = model.training
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None
        model.train()
        model(x)
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        model.train(was_training)
    return model
