"""Figures for the chapter "Pooling and unpooling": the switch-variable diagram."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnnbook.plot import SIGNED_CMAP

__all__ = ["show_switches"]


def _grid(ax: Axes, array: np.ndarray, title: str, marked: np.ndarray | None = None, block: int | None = None,
          limit: float = 1.0) -> None:
    """An annotated grid of numbers; ``marked`` (bool, same shape) gets a thick outline."""
    ax.imshow(array, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    for (i, j), value in np.ndenumerate(array):
        ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=9)
        if marked is not None and marked[i, j]:
            ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, lw=2.2, ec="black"))
    if block:
        for t in range(block, array.shape[0], block):
            ax.axhline(t - 0.5, color="grey", lw=1.5)
        for t in range(block, array.shape[1], block):
            ax.axvline(t - 0.5, color="grey", lw=1.5)
    ax.set_xticks(range(array.shape[1]))
    ax.set_yticks(range(array.shape[0]))
    ax.set_xlabel("column j")
    ax.set_ylabel("row i")
    ax.set_title(title)


def show_switches(x, values, indices, unpooled, kernel_size: int = 2, size: float = 2.8) -> Figure:
    """Max pooling and unpooling with switches, for one (H, W) plane.

    Panels: the input with each window's maximum outlined (the switches); the pooled values with
    their flat indices ``row·W + col``; the unpooled plane, zero except at the switches.
    """
    x, values, indices, unpooled = (np.asarray(a) for a in (x, values, indices, unpooled))
    if x.ndim != 2 or values.shape != indices.shape or unpooled.shape != x.shape:
        raise ValueError("x and unpooled must be (H, W) planes of the same shape, values and indices (h, w) planes")
    marked = np.zeros(x.shape, bool)
    marked.flat[indices.ravel()] = True
    limit = float(np.abs(x).max()) or 1.0
    fig, axes = plt.subplots(1, 4, figsize=(size * 4, size))
    _grid(axes[0], x, "input x, switches outlined", marked, kernel_size, limit)
    _grid(axes[1], values, "pooled values", limit=limit)
    _grid(axes[2], indices, "switches (flat index)", limit=float(indices.max()) * 4 or 1.0)
    _grid(axes[3], unpooled, "max_unpool2d(values, switches)", marked, kernel_size, limit)
    return fig
