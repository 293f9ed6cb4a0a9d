"""Synthetic shapes with masks, for segmentation experiments.

Each image holds one or more filled shapes (disc, square or triangle) of controlled size on a
noisy background. The mask marks the shapes' pixels. Everything is generated from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["ShapesDataset", "make_shapes", "SHAPE_KINDS"]

SHAPE_KINDS = ("disc", "square", "triangle")


@dataclass(frozen=True)
class ShapesDataset:
    """Synthetic segmentation data.

    images: (N, 1, H, W) float32; masks: (N, 1, H, W) float32 in {0, 1};
    kinds: (N, K) int64 index into :data:`SHAPE_KINDS`; sizes: (N, K) float32 radii in pixels
    (half the side for squares, circumradius for triangles), K = objects per image.
    """

    images: torch.Tensor
    masks: torch.Tensor
    kinds: torch.Tensor
    sizes: torch.Tensor

    def __len__(self) -> int:
        return len(self.images)


def _shape_mask(kind: str, cy: float, cx: float, r: float, angle: float, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    dy, dx = yy - cy, xx - cx
    if kind == "disc":
        return dy**2 + dx**2 <= r**2
    if kind == "square":
        return (np.abs(dy) <= r) & (np.abs(dx) <= r)
    # triangle: intersection of three half-planes of an equilateral triangle with circumradius r
    inside = np.ones_like(dy, dtype=bool)
    for k in range(3):
        theta = angle + 2 * np.pi * k / 3
        inside &= dx * np.cos(theta) + dy * np.sin(theta) <= r / 2
    return inside


def make_shapes(n: int, size: int | tuple[int, int] = 64, radius: tuple[float, float] = (2.0, 24.0),
                kinds: tuple[str, ...] = SHAPE_KINDS, objects_per_image: int = 1, noise: float = 0.1,
                seed: int = 0) -> ShapesDataset:
    """Generate ``n`` images with ``objects_per_image`` shapes each and their union masks.

    Radii are drawn uniformly from ``radius`` (pixels); centres are drawn so that each shape
    fits inside the image. Shapes are bright (intensity 0.6 to 1.0) on a dark background with
    Gaussian noise of standard deviation ``noise``.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    if h < 4 or w < 4:
        raise ValueError(f"size must be at least 4 pixels per side, got {size!r}")
    lo, hi = radius
    if not 0 < lo <= hi or 2 * hi + 2 > min(h, w):
        raise ValueError(f"radius must satisfy 0 < low <= high and 2*high + 2 <= {min(h, w)} (the image side), "
                         f"got {radius!r}")
    unknown = [k for k in kinds if k not in SHAPE_KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {SHAPE_KINDS}, got {kinds!r}")
    if objects_per_image < 1:
        raise ValueError(f"objects_per_image must be >= 1, got {objects_per_image}")
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    images = np.zeros((n, 1, h, w), np.float32)
    masks = np.zeros((n, 1, h, w), np.float32)
    kind_idx = np.zeros((n, objects_per_image), np.int64)
    radii = np.zeros((n, objects_per_image), np.float32)
    for i in range(n):
        image = np.zeros((h, w))
        for j in range(objects_per_image):
            k = int(rng.integers(len(kinds)))
            r = float(rng.uniform(lo, hi))
            cy = float(rng.uniform(r + 1, h - r - 1))
            cx = float(rng.uniform(r + 1, w - r - 1))
            m = _shape_mask(kinds[k], cy, cx, r, float(rng.uniform(0, 2 * np.pi)), yy, xx)
            image[m] = rng.uniform(0.6, 1.0)
            masks[i, 0][m] = 1.0
            kind_idx[i, j] = SHAPE_KINDS.index(kinds[k])
            radii[i, j] = r
        images[i, 0] = image + noise * rng.standard_normal((h, w))
    return ShapesDataset(torch.from_numpy(images), torch.from_numpy(masks),
                         torch.from_numpy(kind_idx), torch.from_numpy(radii))
