"""Handwritten digits placed on small panoramas at random longitudes (circular-padding experiment).

A digit (8x8, scikit-learn's bundled set) is pasted into an empty H x W panorama at a given row and
column; columns wrap around, so a digit whose left edge is near the right border is split across the
seam (the left and right image borders, which are neighbours on the sphere).
"""

from __future__ import annotations

import numpy as np
import torch

from cnnbook.data.images import load_digits

__all__ = ["place_on_panorama", "make_digit_panoramas"]

_N_TRAIN = 1200  # digits 0..1199 are the training pool, the remaining 597 the test pool


def place_on_panorama(digits: torch.Tensor, columns, rows, height: int = 16, width: int = 48) -> torch.Tensor:
    """Paste (N, 1, h, w) digits into (N, 1, H, W) zero panoramas, top-left corner at (rows, columns).

    Columns wrap around (column c + j lands at (c + j) mod W); rows must keep the digit inside
    (0 <= row <= H - h).
    """
    if digits.dim() != 4 or digits.shape[1] != 1:
        raise ValueError(f"digits must be (N, 1, h, w), got shape {tuple(digits.shape)}")
    n, _, h, w = digits.shape
    columns = np.broadcast_to(np.asarray(columns, dtype=np.int64), (n,))
    rows = np.broadcast_to(np.asarray(rows, dtype=np.int64), (n,))
    if w > width:
        raise ValueError(f"width must be at least the digit width {w}, got {width}")
    if rows.min(initial=0) < 0 or rows.max(initial=0) > height - h:
        raise ValueError(f"rows must lie in [0, {height - h}] so the digit fits in height={height}")
    out = torch.zeros(n, 1, height, width, dtype=digits.dtype)
    cols = torch.from_numpy((columns[:, None, None] + np.arange(w)[None, None, :]) % width)  # (N, 1, w)
    rr = torch.from_numpy(rows[:, None, None] + np.arange(h)[None, :, None])  # (N, h, 1)
    kk = torch.arange(n)[:, None, None]
    out[kk, 0, rr, cols] = digits[:, 0]
    return out


def make_digit_panoramas(n: int, split: str = "train", height: int = 16, width: int = 48, seed: int = 0,
                         columns=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n`` panoramas with one digit each, at a random row and a random column (all W equally likely).

    ``split`` picks the digit pool ('train': the first 1200 digits, 'test': the other 597), so
    train and test never share a handwritten sample. ``columns`` (length n) fixes the columns
    instead of drawing them. Returns ``(images, labels, columns)``: (n, 1, H, W) float32,
    (n,) int64 and (n,) int64 (the digit's left column).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    images, labels = load_digits()
    pool = np.arange(_N_TRAIN) if split == "train" else np.arange(_N_TRAIN, len(labels))
    rng = np.random.default_rng(seed)
    pick = rng.choice(pool, size=n, replace=n > len(pool))
    if columns is None:
        columns = rng.integers(0, width, size=n)
    columns = np.asarray(columns, dtype=np.int64)
    if columns.shape != (n,):
        raise ValueError(f"columns must have shape ({n},), got {columns.shape}")
    rows = rng.integers(0, height - 8 + 1, size=n)
    x = place_on_panorama(images[pick], columns, rows, height, width)
    return x, labels[pick], torch.from_numpy(columns)
