"""The small experiment networks that the chapters train (as opposed to the building blocks in
:mod:`cnnbook.nn`).

- :class:`TinySegmenter` (chapter "Dilation and ASPP"): a binary segmenter with output stride 8,
  with a plain or an ASPP head.
- :func:`sphere_digit_net` (chapter "Spherical images"): the digit classifiers compared across
  latitudes: equirectangular CNNs, SpherePHD and MeshConv, all of about the same size.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from cnnbook._validation import positive_int
from cnnbook.nn.aspp import ASPP

__all__ = ["TinySegmenter", "sphere_digit_net", "SPHERE_DIGIT_NETS"]


class TinySegmenter(nn.Module):
    """A tiny binary segmenter with output stride 8, for the chapter's ASPP experiment.

    Backbone: three (3x3 conv, stride 2, padding 1) -> BN -> ReLU layers with ``channels``
    channels, taking (N, 1, H, W) to (N, channels, H/8, W/8). Head: ``'plain'`` is one 3x3
    conv -> BN -> ReLU; ``'aspp'`` is :class:`ASPP` (``channels`` -> ``channels``, ``rates``,
    dropout 0.1). A 1x1 conv gives one logit per position, upsampled bilinearly to (N, 1, H, W).
    """

    def __init__(self, head: str = "plain", channels: int = 16, rates: Sequence[int] = (1, 2, 4)) -> None:
        super().__init__()
        channels = positive_int(channels, "channels")
        layers: list[nn.Module] = []
        c_in = 1
        for _ in range(3):
            layers += [nn.Conv2d(c_in, channels, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(channels),
                       nn.ReLU()]
            c_in = channels
        self.backbone = nn.Sequential(*layers)
        if head == "plain":
            self.head: nn.Module = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                                                 nn.BatchNorm2d(channels), nn.ReLU())
        elif head == "aspp":
            self.head = ASPP(channels, channels, rates=rates, dropout=0.1)
        else:
            raise ValueError(f"head must be 'plain' or 'aspp', got {head!r}")
        self.classifier = nn.Conv2d(channels, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) -> logits (N, 1, H, W)."""
        logits = self.classifier(self.head(self.backbone(x)))
        return nn.functional.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


#: The kinds :func:`sphere_digit_net` builds, and the input each one reads.
SPHERE_DIGIT_NETS = {"equirect-zeros": "equirect", "equirect-pole": "equirect", "equirect-latitude": "equirect",
                     "spherephd": "faces", "meshconv": "vertices"}


def _equirect_conv(in_channels: int, out_channels: int, pole: bool) -> list[nn.Module]:
    if pole:
        from cnnbook.nn.spherical import CircularPad2d
        return [CircularPad2d(1, vertical="pole"), nn.Conv2d(in_channels, out_channels, 3)]
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1)]


def sphere_digit_net(kind: str) -> nn.Module:
    """A three-layer digit classifier on the sphere; input and output shapes depend on ``kind``.

    - ``"equirect-zeros"``: 3x3 convs with zero padding on an (N, 1, H, W) equirectangular map;
    - ``"equirect-pole"``: the same with circular padding of the width and padding over the pole;
    - ``"equirect-latitude"``: the pole-padded net with a sin-latitude input channel first;
    - ``"spherephd"``: :class:`cnnbook.nn.PHDConv` on (N, 1, F) face values (10-tap kernels);
    - ``"meshconv"``: :class:`cnnbook.nn.MeshConv` on (N, 1, V) vertex values.

    Each is conv (8 or 16 channels) -> BN -> ReLU -> pool, twice, then a conv to 10 channels and a
    global max: (N, 10) logits.
    """
    if kind not in SPHERE_DIGIT_NETS:
        raise ValueError(f"kind must be one of {sorted(SPHERE_DIGIT_NETS)}, got {kind!r}")
    if kind.startswith("equirect"):
        from cnnbook.nn.spherical import LatitudeChannel
        pole, latitude = kind != "equirect-zeros", kind == "equirect-latitude"
        return nn.Sequential(
            *([LatitudeChannel()] if latitude else []),
            *_equirect_conv(2 if latitude else 1, 8, pole), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            *_equirect_conv(8, 16, pole), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            *_equirect_conv(16, 10, pole), nn.AdaptiveMaxPool2d(1), nn.Flatten())
    if kind == "spherephd":
        from cnnbook.nn.polyhedral import PHDConv, PHDPool
        return nn.Sequential(
            PHDConv(1, 8), nn.BatchNorm1d(8), nn.ReLU(), PHDPool(),
            PHDConv(8, 16), nn.BatchNorm1d(16), nn.ReLU(), PHDPool(),
            PHDConv(16, 10), nn.AdaptiveMaxPool1d(1), nn.Flatten())
    from cnnbook.nn.mesh import MeshConv, MeshPool
    return nn.Sequential(
        MeshConv(1, 16, 3), nn.BatchNorm1d(16), nn.ReLU(), MeshPool(),
        MeshConv(16, 32, 2), nn.BatchNorm1d(32), nn.ReLU(), MeshPool(),
        MeshConv(32, 10, 1), nn.AdaptiveMaxPool1d(1), nn.Flatten())
