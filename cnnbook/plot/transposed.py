"""Figures for the chapter "Transposed and gated convolution"."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from cnnbook.functional.transposed import conv_transpose2d_scatter
from cnnbook.plot import SIGNED_CMAP, animate

__all__ = ["scatter_animation"]


def scatter_animation(x: np.ndarray, w: np.ndarray, stride: int = 2, interval: int = 700):
    """Animate the scatter view of a single-channel transposed convolution (no padding).

    x: (H, W) input, w: (k, k) kernel. Frame m adds the stamp x[i, j]·w of the m-th input
    pixel (row-major) at (stride·i, stride·j); the last frame is the full result. Returns the
    offline HTML player of :func:`cnnbook.plot.animate`.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"x and w must be 2-D, got shapes {x.shape} and {w.shape}")
    h, wd = x.shape
    k = w.shape[0]
    final = conv_transpose2d_scatter(x[None, None], w[None, None], stride=stride)[0, 0]
    limit = float(np.abs(final).max()) or 1.0
    xlim = float(np.abs(x).max()) or 1.0
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(6.4, 3.2), width_ratios=[h, final.shape[0]])
    ax_in.imshow(x, cmap=SIGNED_CMAP, vmin=-xlim, vmax=xlim)
    ax_in.set_title("input x")
    image = ax_out.imshow(np.zeros_like(final), cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    for ax in (ax_in, ax_out):
        ax.set_xlabel("column j")
        ax.set_ylabel("row i")
    for (i, j), value in np.ndenumerate(x):
        ax_in.text(j, i, f"{value:g}", ha="center", va="center", fontsize=9)
    marker_in = ax_in.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, lw=2.5, color="black"))
    marker_out = ax_out.add_patch(Rectangle((-0.5, -0.5), k, k, fill=False, lw=2.5, color="black"))

    def update(frame: int) -> None:
        i, j = divmod(frame, wd)
        partial = x.copy()
        partial.reshape(-1)[frame + 1:] = 0.0  # only the first frame+1 pixels have stamped
        canvas = conv_transpose2d_scatter(partial[None, None], w[None, None], stride=stride)[0, 0]
        image.set_data(canvas)
        marker_in.set_xy((j - 0.5, i - 0.5))
        marker_out.set_xy((stride * j - 0.5, stride * i - 0.5))
        ax_out.set_title(f"output after {frame + 1} of {h * wd} stamps")

    return animate(fig, update, h * wd, interval=interval)
