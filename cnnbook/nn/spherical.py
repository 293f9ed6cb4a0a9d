"""Layers for equirectangular (360-degree) images.

- :class:`CircularPad2d`: wrap-around padding of the width (longitude), and zero, replicate or
  over-the-pole padding of the height (Schubert et al., IEEE IV 2019; Su & Grauman, NIPS 2017).
- :class:`CircularConv2d`: ``nn.Conv2d`` whose horizontal padding wraps around.
- :class:`CoordConv2d` and :func:`coord_channels`: a convolution that also sees the pixel's
  coordinates (Liu et al., NeurIPS 2018).
- :class:`SphConv2d`: row-dependent kernels whose width grows toward the poles (Su & Grauman,
  NIPS 2017), one kernel per row (or mirrored hemispheres with ``tied=True``), padded over the
  poles; sizes from :func:`cnnbook.sphere.kernels.sphconv_kernel_sizes`.

All layers take NCHW tensors; W is the longitude axis and H the latitude axis.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cnnbook._validation import row_kernel_sizes
from cnnbook.functional._args import check_nonnegative, check_positive, pair

__all__ = ["CircularPad2d", "CircularConv2d", "CoordConv2d", "SphConv2d", "LatitudeChannel", "circular_pad2d",
           "coord_channels"]

_VERTICAL_MODES = ("zeros", "replicate", "pole")


def _four(padding: Any, name: str = "padding") -> tuple[int, int, int, int]:
    """An int or a (left, right, top, bottom) tuple of ints, as in ``nn.ZeroPad2d``."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        values = (int(padding),) * 4
    elif (isinstance(padding, (tuple, list)) and len(padding) == 4
          and all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in padding)):
        values = tuple(int(p) for p in padding)
    else:
        raise TypeError(f"{name} must be an int or a (left, right, top, bottom) tuple of ints, got {padding!r}")
    check_nonnegative(values, name)
    return values  # type: ignore[return-value]


def _check_vertical(vertical: Any) -> str:
    if vertical not in _VERTICAL_MODES:
        raise ValueError(f"vertical must be one of {_VERTICAL_MODES}, got {vertical!r}")
    return vertical


def circular_pad2d(x: torch.Tensor, padding: Any, vertical: str = "zeros") -> torch.Tensor:
    """Pad an (N, C, H, W) tensor: width circularly, height with zeros, the edge row, or over the pole.

    ``padding`` is an int or (left, right, top, bottom). The width padding copies columns from the
    other side, x~[..., j] = x[..., j mod W], so it needs left, right <= W.

    ``vertical`` sets the rows added above and below:

    - ``'zeros'`` (default): zero rows;
    - ``'replicate'``: copies of the first and last row;
    - ``'pole'``: the rows that lie beyond the pole on the sphere. Crossing a pole leads to the
      opposite longitude in the same hemisphere, so padded row -1-r above the image is row r rolled
      by W/2, and padded row H+r below it is row H-1-r rolled by W/2. This needs an even W and
      top, bottom <= H. (Su & Grauman's reference code pads its SphConv rows this way.)

    Returns (N, C, H + top + bottom, W + left + right).
    """
    left, right, top, bottom = _four(padding)
    vertical = _check_vertical(vertical)
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"x must be a 4-D tensor (N, C, H, W), got {getattr(x, 'shape', type(x).__name__)}")
    height, width = x.shape[-2], x.shape[-1]
    if left > width or right > width:
        raise ValueError(f"padding must be at most the width W={width} on the left and right, "
                         f"got left={left}, right={right}")
    if vertical == "pole" and (top or bottom):
        if width % 2:
            raise ValueError(f"vertical='pole' needs an even width W (the row beyond a pole is rolled by W/2), "
                             f"got W={width}")
        if top > height or bottom > height:
            raise ValueError(f"vertical='pole' needs top and bottom padding at most the height H={height}, "
                             f"got top={top}, bottom={bottom}")
        half = width // 2
        above = x[..., :top, :].flip(-2).roll(half, dims=-1)                   # row -1-r <- row r
        below = x[..., height - bottom:, :].flip(-2).roll(half, dims=-1)       # row H+r <- row H-1-r
        x = torch.cat([above, x, below], dim=-2)
    if left or right:
        x = torch.cat([x[..., width - left:], x, x[..., :right]], dim=-1)
    if (top or bottom) and vertical != "pole":
        if vertical == "zeros":
            x = F.pad(x, (0, 0, top, bottom))
        else:
            x = torch.cat([x[..., :1, :].expand(-1, -1, top, -1), x,
                           x[..., -1:, :].expand(-1, -1, bottom, -1)], dim=-2)
    return x


class CircularPad2d(nn.Module):
    """Pad the longitude axis (W) circularly and the latitude axis (H) with zeros, replication or over the pole.

    ``padding``: an int or (left, right, top, bottom), as in ``nn.ZeroPad2d``.
    ``vertical``: ``'zeros'`` (default), ``'replicate'`` or ``'pole'`` (padded row -1-r is row r
    rolled by W/2, and likewise at the bottom; needs an even W). See :func:`circular_pad2d`.
    Shape: (N, C, H, W) -> (N, C, H + top + bottom, W + left + right).

    Unlike ``nn.CircularPad2d`` with an int padding, which wraps both axes, only the width wraps:
    the top and bottom of an equirectangular image are the two poles, which are not neighbours.
    """

    def __init__(self, padding: int | tuple[int, int, int, int], vertical: str = "zeros") -> None:
        super().__init__()
        self.padding = _four(padding)
        self.vertical = _check_vertical(vertical)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return circular_pad2d(x, self.padding, self.vertical)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, vertical={self.vertical!r}"


class CircularConv2d(nn.Conv2d):
    """``nn.Conv2d`` with wrap-around padding along the width (longitude).

    Same arguments as ``nn.Conv2d`` (same weights, same parameter count, so a trained ``Conv2d``'s
    ``state_dict`` loads directly). ``padding`` (int, (p_h, p_w), ``'same'`` or ``'valid'``) is
    applied inside the layer: p_w columns wrap around from the other side, p_h rows are zeros
    (``padding_mode='zeros'``) or copies of the edge row (``padding_mode='replicate'``).
    Output size: o = floor((i + 2p - d(k - 1) - 1)/s) + 1 on each axis, as for ``nn.Conv2d``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode not in _VERTICAL_MODES:
            raise ValueError(f"padding_mode must be one of {_VERTICAL_MODES} (it sets the vertical padding; "
                             f"the width always wraps), got {padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias, padding_mode="zeros",
                         device=device, dtype=dtype)
        self.vertical = padding_mode
        if isinstance(self.padding, str):
            pads = []
            for k, d in zip(self.kernel_size, self.dilation):
                total = d * (k - 1) if self.padding == "same" else 0
                pads.append((total // 2, total - total // 2))  # PyTorch puts the odd pixel last
            (top, bottom), (left, right) = pads
        else:
            top = bottom = self.padding[0]
            left = right = self.padding[1]
        self._pad4 = (left, right, top, bottom)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = circular_pad2d(x, self._pad4, self.vertical)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def coord_channels(height: int, width: int, with_r: bool = False, *, dtype: torch.dtype = torch.float32,
                   device: Any = None) -> torch.Tensor:
    """The CoordConv coordinate channels, shape (2, H, W) or (3, H, W) with ``with_r``.

    Channel 0 is the row coordinate i / (H - 1) * 2 - 1 and channel 1 the column coordinate
    j / (W - 1) * 2 - 1, both in [-1, 1] and each normalised by its *own* size (so non-square inputs
    are correct); a size of 1 gives 0. Channel 2 (``with_r``) is the distance from the image centre
    in these units, r = sqrt(i'^2 + j'^2), in [0, sqrt(2)].
    """
    height, width = pair((height, width), "height/width")
    check_positive((height, width), "height/width")

    def axis(n: int) -> torch.Tensor:
        if n == 1:
            return torch.zeros(1, dtype=dtype, device=device)
        return torch.arange(n, dtype=dtype, device=device) / (n - 1) * 2 - 1

    rows = axis(height)[:, None].expand(height, width)
    cols = axis(width)[None, :].expand(height, width)
    channels = [rows, cols]
    if with_r:
        channels.append(torch.sqrt(rows**2 + cols**2))
    return torch.stack(channels)


class LatitudeChannel(nn.Module):
    """Append one channel holding sin(latitude) of each row of an equirectangular map.

    Row v of an H-row map is at latitude phi_v = pi/2 - pi (v + 0.5) / H (the pixel centre), so the
    channel is constant along each row and runs from nearly 1 (top) to nearly -1 (bottom). Unlike
    CoordConv's column channel it is unchanged by a roll of the width, so a network that sees it stays
    equivariant to rotations about the polar axis. Compute it on the unpadded map (put this module first).
    Shape: (N, C, H, W) or (C, H, W) -> the same with C + 1 channels.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() not in (3, 4):
            raise ValueError(f"x must have shape (N, C, H, W) or (C, H, W), got {tuple(x.shape)}")
        height, width = x.shape[-2:]
        rows = torch.arange(height, dtype=x.dtype, device=x.device)
        sin_lat = torch.sin(math.pi / 2 - math.pi * (rows + 0.5) / height)
        channel = sin_lat[:, None].expand(height, width).expand(*x.shape[:-3], 1, height, width)
        return torch.cat([x, channel], dim=-3)


class CoordConv2d(nn.Module):
    """A convolution that sees where it is: coordinate channels are appended before ``nn.Conv2d``.

    ``forward`` concatenates :func:`coord_channels` (i, j in [-1, 1], plus r when ``with_r``) to
    the input, (N, C_in, H, W) -> (N, C_in + 2 (+1), H, W), then applies
    ``self.conv = nn.Conv2d(in_channels + 2 (+1), out_channels, kernel_size, **conv_kwargs)``.
    The parameter count is that conv's: C_out (C_in + 2 + r) k_h k_w (+ C_out bias).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 with_r: bool = False, **conv_kwargs: Any) -> None:
        super().__init__()
        if not isinstance(with_r, bool):
            raise TypeError(f"with_r must be a bool, got {type(with_r).__name__}")
        if isinstance(in_channels, bool) or not isinstance(in_channels, numbers.Integral) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive int, got {in_channels!r}")
        self.with_r = with_r
        self.in_channels = int(in_channels)
        extra = 3 if with_r else 2
        self.conv = nn.Conv2d(self.in_channels + extra, out_channels, kernel_size, **conv_kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"x must be (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}")
        coords = coord_channels(x.shape[2], x.shape[3], self.with_r, dtype=x.dtype, device=x.device)
        x = torch.cat([x, coords.unsqueeze(0).expand(x.shape[0], -1, -1, -1)], dim=1)
        return self.conv(x)

    def extra_repr(self) -> str:
        return f"with_r={self.with_r}"


class SphConv2d(nn.Module):
    """Row-dependent ("untied") convolution for equirectangular images (Su & Grauman, NIPS 2017).

    Each row v of the output has its own kernel K_v of size ``kernel_sizes[v]`` = (k_h, k_w), shared
    along the row (so the layer is still equivariant to longitude shifts):

        y[n, o, v, u] = b_v[o] + sum_{c, a, b} K_v[o, c, a, b] x~[n, c, v + a - k_h//2, u + b - k_w//2]

    where x~ wraps around horizontally and continues over the poles vertically (see
    :func:`circular_pad2d` with ``vertical='pole'``: the row r beyond a pole is row r rolled by W/2),
    so W must be even.

    - ``tied=False`` (default): every row has its own kernel and bias, H of each, as in the reference
      code, which ties only the kernel *shapes* across the equator.
    - ``tied=True``: rows are symmetric about the equator: row H - 1 - v uses K_v mirrored upside
      down (and the same bias), so there are ceil(H/2) kernels and the layer commutes with flipping
      the image vertically. ``kernel_sizes`` must then be equal for mirrored rows.

    ``kernel_sizes`` is a sequence of H ints (square kernels) or (k_h, k_w) pairs, odd;
    :func:`cnnbook.sphere.kernels.sphconv_kernel_sizes` computes them from the geometry.
    Shape: (N, C_in, H, W) -> (N, C_out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, height: int,
                 kernel_sizes: Sequence[int | tuple[int, int]], bias: bool = True, tied: bool = False) -> None:
        super().__init__()
        if not isinstance(tied, bool):
            raise TypeError(f"tied must be a bool, got {type(tied).__name__}")
        if not isinstance(bias, bool):
            raise TypeError(f"bias must be a bool, got {type(bias).__name__}")
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("height", height)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        sizes = row_kernel_sizes(kernel_sizes, int(height), tied)
        self.in_channels, self.out_channels, self.height = int(in_channels), int(out_channels), int(height)
        self.kernel_sizes = sizes
        self.tied = tied
        n_kernels = (height + 1) // 2 if tied else height
        self.weights = nn.ParameterList()
        for kh, kw in sizes[:n_kernels]:
            bound = 1 / math.sqrt(in_channels * kh * kw)  # nn.Conv2d's default initialisation range
            self.weights.append(nn.Parameter(torch.empty(out_channels, in_channels, kh, kw).uniform_(-bound, bound)))
        self.bias = nn.Parameter(torch.empty(n_kernels, out_channels).uniform_(-0.1, 0.1)) if bias else None

    def row_kernel(self, v: int) -> torch.Tensor:
        """The kernel used for output row ``v``, shape (C_out, C_in, k_h, k_w)."""
        if not 0 <= v < self.height:
            raise ValueError(f"v must be a row index in [0, {self.height}), got {v}")
        if not self.tied:
            return self.weights[v]
        mirror = v >= (self.height + 1) // 2
        weight = self.weights[self.height - 1 - v if mirror else v]
        return weight.flip(2) if mirror else weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels or x.shape[2] != self.height:
            raise ValueError(f"x must be (N, {self.in_channels}, {self.height}, W), got shape {tuple(x.shape)}")
        width = x.shape[3]
        pad_h = max(kh for kh, _ in self.kernel_sizes) // 2
        pad_w = max(kw for _, kw in self.kernel_sizes) // 2
        if pad_w > width:
            raise ValueError(f"x is too narrow (W={width}) for kernels {2 * pad_w + 1} wide")
        if width % 2:
            raise ValueError(f"x must have an even width W (the padding over the poles rolls rows by W/2), got W={width}")
        if pad_h > self.height:
            raise ValueError(f"kernels {2 * pad_h + 1} tall are too tall for H={self.height} rows")
        xp = circular_pad2d(x, (pad_w, pad_w, pad_h, pad_h), vertical="pole")
        rows = []
        for v, (kh, kw) in enumerate(self.kernel_sizes):
            top, left = v + pad_h - kh // 2, pad_w - kw // 2
            slab = xp[:, :, top: top + kh, left: left + width + kw - 1]
            bias = None
            if self.bias is not None:
                bias = self.bias[min(v, self.height - 1 - v) if self.tied else v]
            rows.append(F.conv2d(slab, self.row_kernel(v), bias))
        return torch.cat(rows, dim=2)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, height={self.height}, tied={self.tied}, "
                f"kernels={len(self.weights)}, widest={max(kw for _, kw in self.kernel_sizes)}")
