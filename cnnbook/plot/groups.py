"""Figures for the chapter "Convolutions": which input channels each output channel of a grouped layer reads."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

__all__ = ["group_connectivity", "show_group_connectivity"]


def group_connectivity(in_channels: int, out_channels: int, groups: int) -> np.ndarray:
    """The (out_channels, in_channels) 0/1 matrix of a grouped convolution: 1 where output channel o reads input c.

    Output group j (channels j·C_out/g ... (j+1)·C_out/g − 1) reads input group j only, so the matrix is
    block-diagonal with ``groups`` blocks of size (C_out/g) × (C_in/g).
    """
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
    c_in, c_out = in_channels // groups, out_channels // groups
    out = np.zeros((out_channels, in_channels))
    for j in range(groups):
        out[j * c_out:(j + 1) * c_out, j * c_in:(j + 1) * c_in] = 1.0
    return out


def show_group_connectivity(ax: Axes, in_channels: int, out_channels: int, groups: int,
                            title: str | None = None) -> np.ndarray:
    """Draw the connectivity matrix of ``group_connectivity`` (dark: connected) and return it."""
    matrix = group_connectivity(in_channels, out_channels, groups)
    ax.imshow(matrix, cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xlabel("input channel c")
    ax.set_ylabel("output channel o")
    ax.set_title(title if title is not None else f"groups = {groups}: {int(matrix.sum())} of {matrix.size} pairs")
    return matrix
