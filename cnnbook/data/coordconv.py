"""Not-so-Clevr (Liu et al., NeurIPS 2018), scaled down: where is the square?

A square of side 2r + 1 sits on an S x S canvas with its centre (i, j) in [r, S - r)^2. The
supervised coordinate-classification task maps the centre's coordinates to a one-hot S x S image
(equivalently: the index i S + j of the centre pixel). Two train/test splits:

- ``'uniform'``: each example goes to the test set with probability ``test_fraction``;
- ``'quadrant'``: the test set is every centre with i / S > 0.5 and j / S > 0.5 (the bottom-right
  quadrant), so no test position is ever seen in training.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["not_so_clevr", "square_images"]


def not_so_clevr(size: int = 32, radius: int = 2, split: str = "uniform", test_fraction: float = 0.25,
                 seed: int = 0) -> dict[str, torch.Tensor]:
    """All centres of the scaled-down Not-so-Clevr task, split into train and test.

    Returns a dict with ``train_xy``/``test_xy`` (N, 2) float32 coordinates (i, j) / (S - 1) in [0, 1],
    ``train_index``/``test_index`` (N,) int64 targets i S + j, and ``train_ij``/``test_ij`` (N, 2) int64.
    The paper's size is S = 64, r = 4 (3136 centres; the quadrant test set has 27^2 = 729).
    """
    if split not in ("uniform", "quadrant"):
        raise ValueError(f"split must be 'uniform' or 'quadrant', got {split!r}")
    if not isinstance(size, int) or not isinstance(radius, int) or radius < 0 or size < 2 * radius + 2:
        raise ValueError(f"size and radius must be ints with size >= 2 radius + 2, got size={size}, radius={radius}")
    centres = np.arange(radius, size - radius)
    ii, jj = np.meshgrid(centres, centres, indexing="ij")
    ij = np.stack([ii.ravel(), jj.ravel()], axis=1)
    if split == "uniform":
        test = np.random.default_rng(seed).random(len(ij)) < test_fraction
    else:
        test = (ij[:, 0] / size > 0.5) & (ij[:, 1] / size > 0.5)
    out = {}
    for name, mask in (("train", ~test), ("test", test)):
        sel = ij[mask]
        out[f"{name}_ij"] = torch.from_numpy(sel)
        out[f"{name}_xy"] = torch.from_numpy((sel / (size - 1)).astype(np.float32))
        out[f"{name}_index"] = torch.from_numpy(sel[:, 0] * size + sel[:, 1])
    return out


def square_images(ij: torch.Tensor, size: int = 32, radius: int = 2) -> torch.Tensor:
    """Render squares of side 2 radius + 1 centred at the (N, 2) centres ``ij``: (N, 1, S, S) float32."""
    ij = torch.as_tensor(ij)
    rows = torch.arange(size)
    inside_i = (rows[None, :] - ij[:, :1]).abs() <= radius  # (N, S)
    inside_j = (rows[None, :] - ij[:, 1:]).abs() <= radius
    return (inside_i[:, :, None] & inside_j[:, None, :]).float().unsqueeze(1)
