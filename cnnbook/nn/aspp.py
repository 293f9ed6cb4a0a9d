"""Atrous Spatial Pyramid Pooling as in DeepLab v3 (chapter "Dilation and ASPP").

Chen, Papandreou, Schroff, Adam, "Rethinking Atrous Convolution for Semantic Image
Segmentation", arXiv:1706.05587, 2017. The module layout (``convs``, ``project``) and the
order of the branches follow ``torchvision.models.segmentation.deeplabv3.ASPP``, so the two
have the same parameter count and the same ``state_dict`` keys: torchvision's weights load
into :class:`ASPP` unchanged.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch
from torch import nn

from cnnbook._validation import positive_int

__all__ = ["ASPP", "ImagePooling", "atrous_branch"]


def atrous_branch(in_channels: int, out_channels: int, rate: int) -> nn.Sequential:
    """3x3 conv with dilation = padding = ``rate`` (no bias) -> BN -> ReLU.

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H, W) for every rate, since the
    effective kernel size 2 * rate + 1 is exactly cancelled by padding ``rate`` on each side.
    A 1x1 conv branch is the same with ``rate = 0`` replaced by kernel size 1 (see :class:`ASPP`).
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=rate, dilation=rate, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )


class ImagePooling(nn.Sequential):
    """Image-level branch: global average pool -> 1x1 conv (no bias) -> BN -> ReLU -> broadcast back.

    Shapes: (N, in_channels, H, W) -> (N, out_channels, 1, 1) -> (N, out_channels, H, W). The
    upsampling of a 1x1 map is a copy to every position (what bilinear upsampling of one pixel
    gives). Note: in training mode its BatchNorm sees one value per channel per image, so it needs
    a batch of at least 2.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        return super().forward(x).expand(-1, -1, h, w)


class ASPP(nn.Module):
    """Atrous Spatial Pyramid Pooling (DeepLab v3).

    Branches (all to ``out_channels``, each followed by BatchNorm and ReLU), in this order:

    1. a 1x1 conv;
    2. one 3x3 atrous conv per entry of ``rates`` (dilation = padding = rate);
    3. image pooling (:class:`ImagePooling`).

    Their outputs are concatenated, giving (N, (len(rates) + 2) * out_channels, H, W), then
    projected by a 1x1 conv to ``out_channels`` -> BN -> ReLU -> Dropout(``dropout``).

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H, W).
    Parameters (convs have no bias; each BN has 2 * out_channels):
    ``out * in * (1 + 9 * len(rates) + 1) + (len(rates) + 2) * out * out + 2 * out * (len(rates) + 3)``.
    For in=2048, rates (12, 24, 36) that is 15,535,104, as in torchvision.

    DeepLab v3 uses rates (6, 12, 18) at output stride 16 and (12, 24, 36) at output stride 8.
    """

    def __init__(self, in_channels: int, out_channels: int = 256, rates: Sequence[int] = (6, 12, 18),
                 dropout: float = 0.5) -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        if isinstance(rates, (str, bytes)) or not isinstance(rates, Sequence) or len(rates) == 0:
            raise TypeError(f"rates must be a non-empty sequence of positive ints, got {rates!r}")
        rates = tuple(positive_int(r, "rates") for r in rates)
        if not isinstance(dropout, numbers.Real) or isinstance(dropout, bool) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        self.in_channels, self.out_channels, self.rates = in_channels, out_channels, rates
        branches: list[nn.Module] = [
            nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())
        ]
        branches += [atrous_branch(in_channels, out_channels, r) for r in rates]
        branches.append(ImagePooling(in_channels, out_channels))
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(
            nn.Conv2d(len(branches) * out_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Dropout(float(dropout)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, H, W) -> (N, out_channels, H, W)."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"input must have shape (N, {self.in_channels}, H, W), got {tuple(x.shape)}")
        if self.training and x.shape[0] < 2:
            raise ValueError("input must hold at least 2 images in training mode: the image-pooling branch's "
                             "BatchNorm sees one value per channel per image (use model.eval() for one image)")
        return self.project(torch.cat([branch(x) for branch in self.convs], dim=1))

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_channels={self.out_channels}, rates={self.rates}"
