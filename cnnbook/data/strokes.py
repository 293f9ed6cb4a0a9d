"""Free-form stroke masks for inpainting experiments (seeded, generated, no download).

Each mask is a few thick random polylines ("brush strokes"), in the spirit of the free-form
masks of Yu et al. (ICCV 2019). Convention: **1 marks a hole** (a missing pixel), 0 a known
pixel. The valid-pixel mask M of partial convolution is ``1 - holes``.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

__all__ = ["make_stroke_masks"]


def _draw_stroke(canvas: np.ndarray, rng: np.random.Generator, vertices: int, width: float,
                 yy: np.ndarray, xx: np.ndarray) -> None:
    size = canvas.shape[0]
    point = rng.uniform(0, size, 2)
    angle = rng.uniform(0, 2 * np.pi)
    for _ in range(vertices):
        angle += rng.uniform(-np.pi / 2, np.pi / 2)
        length = rng.uniform(0.15, 0.4) * size
        end = np.clip(point + length * np.array([np.sin(angle), np.cos(angle)]), 0, size - 1)
        # distance from each pixel centre to the segment point -> end
        seg = end - point
        t = np.clip(((yy - point[0]) * seg[0] + (xx - point[1]) * seg[1]) / max(seg @ seg, 1e-12), 0, 1)
        dist2 = (yy - point[0] - t * seg[0]) ** 2 + (xx - point[1] - t * seg[1]) ** 2
        canvas[dist2 <= (width / 2) ** 2] = 1.0
        point = end


def make_stroke_masks(n: int, size: int = 32, strokes: tuple[int, int] = (1, 3),
                      width: tuple[float, float] = (2.0, 4.0), seed: int = 0) -> torch.Tensor:
    """``n`` random free-form hole masks of shape (n, 1, size, size), float32, 1 = hole.

    Each mask has between ``strokes[0]`` and ``strokes[1]`` strokes (inclusive); each stroke is
    a polyline of 2-4 segments drawn with a brush whose width is uniform in ``width`` pixels.
    The same ``seed`` always gives the same masks.
    """
    for name, value in (("n", n), ("size", size), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if size < 4:
        raise ValueError(f"size must be >= 4, got {size}")
    if len(strokes) != 2 or not 1 <= strokes[0] <= strokes[1]:
        raise ValueError(f"strokes must be a pair (low, high) with 1 <= low <= high, got {strokes!r}")
    if len(width) != 2 or not 0 < width[0] <= width[1]:
        raise ValueError(f"width must be a pair (low, high) with 0 < low <= high, got {width!r}")
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, 1, size, size), dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    for k in range(n):
        for _ in range(int(rng.integers(strokes[0], strokes[1] + 1))):
            _draw_stroke(masks[k, 0], rng, int(rng.integers(2, 5)), float(rng.uniform(*width)), yy, xx)
    return torch.from_numpy(masks)
