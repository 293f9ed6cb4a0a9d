"""The small experiment networks that the chapters train (as opposed to the building blocks in
:mod:`cnnbook.nn`).

- :class:`TinySegmenter` (chapter "Dilation and ASPP"): a binary segmenter with output stride 8,
  with a plain or an ASPP head.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from cnnbook._validation import positive_int
from cnnbook.nn.aspp import ASPP

__all__ = ["TinySegmenter"]


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
