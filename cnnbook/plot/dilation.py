"""Figures for the chapter "Dilation and ASPP": the ASPP branch diagram."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

__all__ = ["show_aspp_diagram"]


def _box(ax: Axes, x: float, y: float, text: str, colour: str, width: float = 2.2, height: float = 0.7) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                facecolor=colour, edgecolor="black"))
    ax.text(x, y, text, ha="center", va="center", fontsize=8)


def _arrow(ax: Axes, x0: float, y0: float, x1: float, y1: float) -> None:
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", lw=1.0))


def show_aspp_diagram(ax: Axes, rates: Sequence[int] = (6, 12, 18), in_channels: int = 2048,
                      out_channels: int = 256) -> None:
    """Draw the DeepLab v3 ASPP: input -> parallel branches -> concatenation -> 1x1 projection."""
    branches = ["1x1 conv\nBN, ReLU"] + [f"3x3 conv, rate {r}\nBN, ReLU" for r in rates] + \
        ["image pooling: avg pool,\n1x1 conv, BN, ReLU, upsample"]
    n = len(branches)
    xs = [2.6 * k for k in range(n)]
    centre = (xs[0] + xs[-1]) / 2
    _box(ax, centre, 3.0, f"feature map (N, {in_channels}, H, W)", "0.9", width=4.0)
    for x, text in zip(xs, branches):
        _arrow(ax, centre, 2.62, x, 1.95)
        _box(ax, x, 1.55, text, "#cfe2f3" if "pool" not in text else "#fce5cd", width=2.45, height=0.75)
        _arrow(ax, x, 1.15, centre, 0.45)
    _box(ax, centre, 0.1, f"concatenate: {n} x {out_channels} = {n * out_channels} channels", "0.9", width=5.0)
    _arrow(ax, centre, -0.25, centre, -0.75)
    _box(ax, centre, -1.1, f"1x1 conv to {out_channels}, BN, ReLU, dropout -> (N, {out_channels}, H, W)",
         "#d9ead3", width=6.2)
    ax.set_xlim(xs[0] - 1.5, xs[-1] + 1.5)
    ax.set_ylim(-1.6, 3.5)
    ax.axis("off")
    ax.set_title(f"ASPP (DeepLab v3), rates {tuple(rates)}")
