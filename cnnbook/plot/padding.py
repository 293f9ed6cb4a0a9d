"""Figures for the chapter "Padding": where each output window sits on a padded 1-D input."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from cnnbook.functional.conv import conv_output_size

__all__ = ["show_windows_1d"]


def show_windows_1d(ax: Axes, size: int, kernel_size: int, stride: int, before: int, after: int,
                    title: str) -> list[tuple[int, int]]:
    """Draw a 1-D input of ``size`` cells with ``before``/``after`` padding cells and one bar per output window.

    Input cells are numbered 0..size-1 (padding cells are hatched, at -before..-1 and size..);
    output window j covers input positions ``stride * j - before`` to ``stride * j - before + kernel_size - 1``.
    Returns the list of (first, last) input positions of the windows, so the figure can be checked.
    """
    n_out = conv_output_size(before + size + after, kernel_size, stride)  # windows on the padded line
    for m in range(-before, size + after):
        inside = 0 <= m < size
        ax.add_patch(Rectangle((m, 0), 1, 1, facecolor="0.85" if inside else "white",
                               edgecolor="black", hatch=None if inside else "//"))
        ax.text(m + 0.5, 0.5, str(m) if inside else "0", ha="center", va="center", fontsize=8)
    windows = []
    for j in range(n_out):
        first = stride * j - before
        windows.append((first, first + kernel_size - 1))
        y = 1.3 + 0.45 * j
        ax.add_patch(Rectangle((first + 0.1, y), kernel_size - 0.2, 0.3, facecolor=f"C{j % 10}", alpha=0.8))
        ax.text(first + kernel_size + 0.1, y + 0.15, f"y[{j}]", va="center", fontsize=8)
    ax.set_xlim(-before - 0.5, size + after + 2.0)
    ax.set_ylim(-0.2, 1.5 + 0.45 * n_out)
    ax.set_yticks([])
    ax.set_xlabel("input position (hatched: padding)")
    ax.set_title(title)
    return windows
