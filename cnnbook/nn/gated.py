"""Gated convolution (Yu et al., "Free-Form Image Inpainting with Gated Convolution", ICCV 2019).

Two convolutions see the same input: a *feature* branch and a *gate* branch. The output is

    O = φ(conv_f(x)) ⊙ σ(conv_g(x)),

so every output channel at every pixel has its own soft, learned gate in (0, 1). Partial
convolution (Liu et al., ECCV 2018), by contrast, uses one hard 0/1 mask per pixel that a
fixed rule updates and that is shared by all channels; it is :class:`PartialConv2d` here.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from cnnbook._validation import positive_int

__all__ = ["GatedConv2d", "PartialConv2d"]


class GatedConv2d(nn.Module):
    """O = φ(conv_f(x)) ⊙ σ(conv_g(x)), with two ``nn.Conv2d`` of identical settings.

    Shapes: input (N, C_in, H, W) → output (N, C_out, H_out, W_out), with
    H_out = ⌊(H + 2p - d(k-1) - 1)/s⌋ + 1 as for ``nn.Conv2d``.

    - ``activation`` is φ, any callable on tensors; ``None`` means ELU (the paper's reference
      code uses ``tf.nn.elu``).
    - Parameters: 2·C_out·(C_in·kH·kW + 1) (two weights and two biases).
    - The reference code uses one conv with 2·C_out channels and splits it in half; that is
      the same function as two separate convs holding the two halves of its weights.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1,
                 activation: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        if activation is not None and not callable(activation):
            raise TypeError(f"activation must be a callable such as nn.ReLU() or None (ELU), "
                            f"got {type(activation).__name__}")
        settings = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
        _check_conv_settings(**settings)
        self.feature = nn.Conv2d(in_channels, out_channels, **settings)
        self.gate = nn.Conv2d(in_channels, out_channels, **settings)
        self.activation = activation if activation is not None else nn.ELU()

    def gates(self, x: torch.Tensor) -> torch.Tensor:
        """The gate values σ(conv_g(x)) in (0, 1), shape (N, C_out, H_out, W_out)."""
        return torch.sigmoid(self.gate(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """φ(conv_f(x)) ⊙ σ(conv_g(x)) for x of shape (N, C_in, H, W).

        Both branches run as one convolution with 2·C_out output channels (the reference
        code's layout), which is the same function and about half the overhead.
        """
        f, g = self.feature, self.gate
        both = F.conv2d(x, torch.cat([f.weight, g.weight]), torch.cat([f.bias, g.bias]),
                        f.stride, f.padding, f.dilation)
        features, gating = both.chunk(2, dim=1)
        return self.activation(features) * torch.sigmoid(gating)


class PartialConv2d(nn.Module):
    """Partial convolution (Liu et al., ECCV 2018): a convolution over the known pixels only.

    ``forward(x, mask)`` takes features x (N, C_in, H, W) and a valid-pixel mask M (1 = known,
    0 = hole) and returns ``(out, new_mask)``. With W the weights, b the bias and the sums running
    over one output position's sliding window,

        out = W^T (X ⊙ M) · sum(1)/sum(M) + b    if sum(M) > 0,
        out = 0                                   otherwise (the bias is dropped too),
        m'  = 1[sum(M) > 0].

    - ``multi_channel=False`` (the default, and the paper's setting): M has shape (N, 1, H, W), one
      mask shared by all input channels; the window is kH·kW pixels, so sum(1) = kH·kW, and the new
      mask has shape (N, 1, H_out, W_out).
    - ``multi_channel=True``: M has shape (N, C_in, H, W), one mask per input channel; the window
      spans all input channels, so sum(1) = C_in·kH·kW, and the new mask, the same for every output
      channel, has shape (N, C_out, H_out, W_out).

    Padding cells count as unknown (the mask is zero-padded), so near the border the factor
    sum(1)/sum(M) exceeds 1: partial convolution doubles as a padding scheme. With an all-ones
    mask and no padding, the factor is 1 and the layer is ``nn.Conv2d``. This follows NVIDIA's
    reference implementation (``models/partialconv2d.py``): the bias is added after the
    rescaling and the output is zeroed wherever the new mask is 0. The mask is expected to be
    binary; H_out, W_out are those of ``nn.Conv2d``. Parameters: C_out·(C_in·kH·kW + 1), the same
    as a plain convolution (the mask rule has none).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1, bias: bool = True, multi_channel: bool = False) -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        _check_conv_settings(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
        for name, flag in (("bias", bias), ("multi_channel", multi_channel)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, got {type(flag).__name__} {flag!r}")
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                              dilation=dilation, bias=bias)
        self.multi_channel = multi_channel

    @property
    def window(self) -> int:
        """sum(1): the number of mask entries in one window (kH·kW, times C_in if multi-channel)."""
        kh, kw = self.conv.kernel_size
        return kh * kw * (self.conv.in_channels if self.multi_channel else 1)

    def mask_update(self, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(new_mask, ratio)``: m' = 1[sum(M) > 0] and sum(1)/sum(M) where sum(M) > 0, else 0."""
        c = self.conv
        ones = mask.new_ones(1, mask.shape[1], *c.kernel_size)
        counts = F.conv2d(mask, ones, stride=c.stride, padding=c.padding, dilation=c.dilation)
        valid = counts > 0
        ratio = torch.where(valid, self.window / torch.where(valid, counts, torch.ones_like(counts)),
                            torch.zeros_like(counts))
        new_mask = valid.to(mask.dtype)
        if self.multi_channel:
            shape = (counts.shape[0], c.out_channels, *counts.shape[2:])
            new_mask, ratio = new_mask.expand(shape), ratio.expand(shape)
        return new_mask, ratio

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(out, new_mask)`` for x (N, C_in, H, W) and mask (N, 1 or C_in, H, W), 1 = known."""
        if x.dim() != 4:
            raise ValueError(f"x must have shape (N, C_in, H, W), got {tuple(x.shape)}")
        channels = x.shape[1] if self.multi_channel else 1
        if mask.dim() != 4 or mask.shape[1] != channels or mask.shape[0] != x.shape[0] \
                or mask.shape[2:] != x.shape[2:]:
            raise ValueError(f"mask must have shape {(x.shape[0], channels, *x.shape[2:])} "
                             f"(multi_channel={self.multi_channel}), got {tuple(mask.shape)}")
        c = self.conv
        new_mask, ratio = self.mask_update(mask)
        raw = F.conv2d(x * mask, c.weight, None, c.stride, c.padding, c.dilation)
        if c.bias is not None:
            raw = raw * ratio + c.bias.view(1, -1, 1, 1)
        else:
            raw = raw * ratio
        return raw * new_mask, new_mask


def _check_conv_settings(**settings: object) -> None:
    """Raise TypeError/ValueError naming the argument for a bad kernel_size, stride, padding or dilation."""
    for name, value in settings.items():
        values = value if isinstance(value, (tuple, list)) else (value,)
        for v in values:
            if name == "padding":
                if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                    raise TypeError(f"padding must be an int or a pair of ints, got {value!r}")
                if v < 0:
                    raise ValueError(f"padding must be non-negative (>= 0), got {value!r}")
            else:
                positive_int(v, name)
