"""The small experiment networks that the chapters train (as opposed to the building blocks in
:mod:`cnnbook.nn`).

- :class:`TinySegmenter` (chapter "Dilation and ASPP"): a segmenter with output stride
  2**stages, with a plain or an ASPP head.
- :func:`sphere_digit_net` (chapter "Spherical images"): the digit classifiers compared across
  latitudes: equirectangular CNNs, SpherePHD and MeshConv, all of about the same size.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from cnnbook._validation import positive_int
from cnnbook.nn.aspp import ASPP
from cnnbook.nn.mesh import MeshConv, MeshPool
from cnnbook.nn.polyhedral import PHDConv, PHDPool
from cnnbook.nn.spherical import CircularPad2d, LatitudeChannel

__all__ = ["TinySegmenter", "sphere_digit_net", "SPHERE_DIGIT_NETS"]


class TinySegmenter(nn.Module):
    """A tiny segmenter with output stride ``2 ** stages``, for the chapter's ASPP experiment.

    Backbone: ``stages`` (3x3 conv, stride 2, padding 1, no bias) -> BN -> ReLU layers with
    ``channels`` channels, taking (N, 1, H, W) to (N, channels, H / 2**stages, W / 2**stages).
    Head: ``'plain'`` is one 3x3 conv (``channels`` -> ``head_channels``, default ``channels``)
    -> BN -> ReLU; ``'aspp'`` is :class:`ASPP` (``channels`` -> ``channels``, ``rates``,
    ``dropout``). A 1x1 conv (with bias) gives ``num_classes`` logits per position, upsampled
    bilinearly to (N, num_classes, H, W).

    Receptive field of one feature-map position after the plain head, by the recurrence of
    :func:`cnnbook.functional.receptive_field`: ``1 + 2 * (2**stages - 1) + 2 * 2**stages``
    pixels (15 for two stages); the ASPP head's image-pooling branch makes it the whole image.
    """

    def __init__(self, head: str = "plain", channels: int = 16, rates: Sequence[int] = (1, 2, 4), *,
                 stages: int = 3, num_classes: int = 1, head_channels: int | None = None,
                 dropout: float = 0.1) -> None:
        super().__init__()
        channels = positive_int(channels, "channels")
        stages = positive_int(stages, "stages")
        num_classes = positive_int(num_classes, "num_classes")
        head_channels = channels if head_channels is None else positive_int(head_channels, "head_channels")
        layers: list[nn.Module] = []
        c_in = 1
        for _ in range(stages):
            layers += [nn.Conv2d(c_in, channels, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(channels),
                       nn.ReLU()]
            c_in = channels
        self.backbone = nn.Sequential(*layers)
        if head == "plain":
            self.head: nn.Module = nn.Sequential(nn.Conv2d(channels, head_channels, 3, padding=1, bias=False),
                                                 nn.BatchNorm2d(head_channels), nn.ReLU())
            c_out = head_channels
        elif head == "aspp":
            if head_channels != channels:
                raise ValueError("head_channels applies to the plain head only")
            self.head = ASPP(channels, channels, rates=rates, dropout=dropout)
            c_out = channels
        else:
            raise ValueError(f"head must be 'plain' or 'aspp', got {head!r}")
        self.classifier = nn.Conv2d(c_out, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) -> logits (N, num_classes, H, W)."""
        logits = self.classifier(self.head(self.backbone(x)))
        return nn.functional.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


#: The kinds :func:`sphere_digit_net` builds, and the input each one reads.
SPHERE_DIGIT_NETS = {"equirect-zeros": "equirect", "equirect-pole": "equirect", "equirect-latitude": "equirect",
                     "spherephd": "faces", "meshconv": "vertices"}


def _equirect_conv(in_channels: int, out_channels: int, pole: bool) -> list[nn.Module]:
    if pole:
        return [CircularPad2d(1, vertical="pole"), nn.Conv2d(in_channels, out_channels, 3)]
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1)]


def sphere_digit_net(kind: str) -> nn.Module:
    """A three-layer digit classifier on the sphere; input and output shapes depend on ``kind``.

    - ``"equirect-zeros"``: 3x3 convs with zero padding on an (N, 1, H, W) equirectangular map;
    - ``"equirect-pole"``: the same with circular padding of the width and padding over the pole;
    - ``"equirect-latitude"``: the pole-padded net with a sin-latitude input channel first;
    - ``"spherephd"``: :class:`cnnbook.nn.PHDConv` on (N, 1, F) face values (10-tap kernels);
    - ``"meshconv"``: :class:`cnnbook.nn.MeshConv` on (N, 1, V) vertex values, with
      ``rescale=True`` (operators of order 1; with the raw area-normalised Laplacian this net
      does not train on digits at random positions).

    Each is conv (8 or 16 channels) -> BN -> ReLU -> pool, twice, then a conv to 10 channels and a
    global max: (N, 10) logits.
    """
    if kind not in SPHERE_DIGIT_NETS:
        raise ValueError(f"kind must be one of {sorted(SPHERE_DIGIT_NETS)}, got {kind!r}")
    if kind.startswith("equirect"):
        pole, latitude = kind != "equirect-zeros", kind == "equirect-latitude"
        return nn.Sequential(
            *([LatitudeChannel()] if latitude else []),
            *_equirect_conv(2 if latitude else 1, 8, pole), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            *_equirect_conv(8, 16, pole), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            *_equirect_conv(16, 10, pole), nn.AdaptiveMaxPool2d(1), nn.Flatten())
    if kind == "spherephd":
        return nn.Sequential(
            PHDConv(1, 8), nn.BatchNorm1d(8), nn.ReLU(), PHDPool(),
            PHDConv(8, 16), nn.BatchNorm1d(16), nn.ReLU(), PHDPool(),
            PHDConv(16, 10), nn.AdaptiveMaxPool1d(1), nn.Flatten())
    return nn.Sequential(
        MeshConv(1, 16, 3, rescale=True), nn.BatchNorm1d(16), nn.ReLU(), MeshPool(),
        MeshConv(16, 32, 2, rescale=True), nn.BatchNorm1d(32), nn.ReLU(), MeshPool(),
        MeshConv(32, 10, 1, rescale=True), nn.AdaptiveMaxPool1d(1), nn.Flatten())
