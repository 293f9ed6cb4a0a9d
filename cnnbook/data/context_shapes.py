"""Framed squares: a segmentation task that needs context (chapter "Dilation and ASPP").

Each image holds one filled square on a dark, noisy background. The square's interior has a
random grey level drawn from the same range for every class; only its frame, a ring ``frame``
pixels wide along the edge, tells the class: bright (class 1) or dark (class 2). A pixel in the
middle of a large square therefore looks the same in both classes, and a network can label it
only if its receptive field reaches the frame, about ``half_side`` pixels away.
Everything is generated from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["FramedSquares", "make_framed_squares", "FRAME_CLASSES"]

#: Class names, indexed by the values of :attr:`FramedSquares.labels`.
FRAME_CLASSES = ("background", "bright frame", "dark frame")

_FRAME_LEVEL = {1: 1.0, 2: 0.2}        # grey level of the frame per class
_INTERIOR_RANGE = (0.45, 0.75)         # interior grey level, the same range for both classes


@dataclass(frozen=True)
class FramedSquares:
    """Per-pixel classification data with one framed square per image.

    images: (N, 1, H, W) float32; labels: (N, H, W) int64 in {0, 1, 2} (see :data:`FRAME_CLASSES`);
    classes: (N,) int64, the square's class (1 or 2); half_sides: (N,) float32, half the side of
    the square in pixels; centre_distance: (N, H, W) float32, the Chebyshev distance
    max(|row - cy|, |col - cx|) of each pixel centre from the square's centre, so the square is
    exactly the pixels with ``centre_distance <= half_side`` and a pixel's distance to the frame's
    outer edge is ``half_side - centre_distance``.
    """

    images: torch.Tensor
    labels: torch.Tensor
    classes: torch.Tensor
    half_sides: torch.Tensor
    centre_distance: torch.Tensor

    def __len__(self) -> int:
        return len(self.images)


def make_framed_squares(n: int, size: int = 32, half_side: tuple[float, float] = (3.0, 15.0), frame: int = 2,
                        noise: float = 0.1, seed: int = 0) -> FramedSquares:
    """Generate ``n`` images of ``size`` x ``size`` pixels, each with one framed square.

    Per image: the class is 1 or 2 with equal probability; the half side is uniform in
    ``half_side``; the centre is uniform among positions where the square fits with a 1-pixel
    margin. The square's pixels (``centre_distance <= half_side``) get the interior level, uniform
    in [0.45, 0.75]; those with ``centre_distance > half_side - frame`` get the frame level
    (1.0 for class 1, 0.2 for class 2). Gaussian noise of standard deviation ``noise`` is added
    everywhere; the background is 0 before the noise.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an int >= 8, got {size!r}")
    if isinstance(frame, bool) or not isinstance(frame, int) or frame < 1:
        raise ValueError(f"frame must be a positive int, got {frame!r}")
    lo, hi = half_side
    if not frame < lo <= hi or 2 * hi + 2 > size:
        raise ValueError(f"half_side must satisfy frame < low <= high and 2*high + 2 <= size ({size}), "
                         f"got {half_side!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    images = np.zeros((n, 1, size, size), np.float32)
    labels = np.zeros((n, size, size), np.int64)
    classes = np.zeros(n, np.int64)
    halves = np.zeros(n, np.float32)
    distance = np.zeros((n, size, size), np.float32)
    for i in range(n):
        label = int(rng.integers(1, 3))
        h = float(rng.uniform(lo, hi))
        cy, cx = (float(rng.uniform(h + 1, size - h - 1)) for _ in range(2))
        d = np.maximum(np.abs(yy - cy), np.abs(xx - cx))
        square, ring = d <= h, (d <= h) & (d > h - frame)
        image = np.zeros((size, size))
        image[square] = rng.uniform(*_INTERIOR_RANGE)
        image[ring] = _FRAME_LEVEL[label]
        images[i, 0] = image + noise * rng.standard_normal((size, size))
        labels[i][square] = label
        classes[i], halves[i], distance[i] = label, h, d
    return FramedSquares(torch.from_numpy(images), torch.from_numpy(labels), torch.from_numpy(classes),
                         torch.from_numpy(halves), torch.from_numpy(distance))
