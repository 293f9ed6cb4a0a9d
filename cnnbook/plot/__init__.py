"""Figure helpers, so every chapter's figures look the same.

Conventions (see the book's conventions page):

- images use :data:`IMAGE_CMAP` (grey scale) with a fixed range [0, 1] unless told otherwise;
- signed data (kernels, feature maps, differences) use :data:`SIGNED_CMAP`, a diverging map
  centred at 0 with a symmetric range;
- every panel has a title, and pixel axes are labelled "column j" / "row i".

Chapter-specific figures live in submodules of this package, imported from there:

- ``arithmetic``: Dumoulin-style convolution grids and animations (the convolution-arithmetic gallery);
- ``diagrams``: im2col, the 3-D kernel and 4-D weight, receptive-field growth, the U-Net, the
  landing-page strip;
- ``groups``: grouped-convolution connectivity; ``padding``; ``dilation``; ``pooling``; ``transposed``;
- ``gated``: the gated convolution's two branches;
- ``sphere``: orthographic globe views of equirectangular images and icosphere face or vertex values.
"""

from __future__ import annotations

import re

from collections.abc import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "IMAGE_CMAP",
    "SIGNED_CMAP",
    "use_book_style",
    "show_image",
    "show_signed",
    "show_kernel",
    "show_panels",
    "show_conv",
    "show_feature_maps",
    "animate",
]

IMAGE_CMAP = "gray"
SIGNED_CMAP = "RdBu_r"


def use_book_style() -> None:
    """Set the book's matplotlib defaults (PNG output, sizes, fonts)."""
    matplotlib.rcParams.update({
        "figure.dpi": 90,
        "savefig.dpi": 90,
        "figure.figsize": (6.4, 3.6),
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "image.interpolation": "nearest",
        "figure.constrained_layout.use": True,
        "svg.hashsalt": "cnnbook",
    })


def _to_numpy(array) -> np.ndarray:
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def _label_pixels(ax: Axes, ticks: bool) -> None:
    ax.set_xlabel("column j")
    ax.set_ylabel("row i")
    if not ticks:
        ax.set_xticks([])
        ax.set_yticks([])


def show_image(ax: Axes, image, title: str, vmin: float | None = 0.0, vmax: float | None = 1.0,
               ticks: bool = False):
    """Draw an (H, W) grey or (H, W, 3) colour image on ``ax``; a (1, H, W) or (3, H, W) tensor is fine too."""
    image = _to_numpy(image)
    if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[-1] not in (1, 3):
        image = np.moveaxis(image, 0, -1)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 3:
        image = np.clip(image, 0.0, 1.0)
    artist = ax.imshow(image, cmap=IMAGE_CMAP, vmin=vmin, vmax=vmax)
    ax.set_title(title)
    _label_pixels(ax, ticks)
    return artist


def show_signed(ax: Axes, array, title: str, limit: float | None = None, colorbar: bool = True,
                ticks: bool = False):
    """Draw signed 2-D data with the diverging map, centred at 0 (range ±``limit``, default max |value|)."""
    array = _to_numpy(array).astype(float)
    if array.ndim != 2:
        raise ValueError(f"array must be 2-D (H, W), got shape {array.shape}")
    if limit is None:
        limit = float(np.abs(array).max()) or 1.0
    artist = ax.imshow(array, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    ax.set_title(title)
    _label_pixels(ax, ticks)
    if colorbar:
        ax.figure.colorbar(artist, ax=ax, shrink=0.8)
    return artist


def show_kernel(ax: Axes, kernel, title: str, annotate: bool = True, fmt: str = "{:g}"):
    """Draw a small 2-D kernel with the signed map and write each weight in its cell."""
    kernel = _to_numpy(kernel).astype(float)
    artist = show_signed(ax, kernel, title, colorbar=False, ticks=True)
    ax.set_xticks(range(kernel.shape[1]))
    ax.set_yticks(range(kernel.shape[0]))
    ax.set_xlabel("kernel column v")
    ax.set_ylabel("kernel row u")
    if annotate and kernel.size <= 100:
        limit = float(np.abs(kernel).max()) or 1.0
        for (u, v), value in np.ndenumerate(kernel):
            colour = "white" if abs(value) > 0.6 * limit else "black"
            ax.text(v, u, fmt.format(round(value, 3)), ha="center", va="center", color=colour, fontsize=8)
    return artist


def show_panels(arrays: Sequence, titles: Sequence[str], kinds: Sequence[str] | None = None,
                ncols: int | None = None, size: float = 2.6, suptitle: str | None = None) -> Figure:
    """Lay out several 2-D arrays side by side; ``kinds`` picks ``'image'``, ``'signed'`` or ``'kernel'`` per panel."""
    if len(arrays) != len(titles):
        raise ValueError(f"arrays and titles must have the same length, got {len(arrays)} and {len(titles)}")
    kinds = list(kinds) if kinds is not None else ["image"] * len(arrays)
    if len(kinds) != len(arrays):
        raise ValueError(f"kinds must have one entry per array, got {len(kinds)} for {len(arrays)} arrays")
    ncols = ncols or len(arrays)
    nrows = -(-len(arrays) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax, array, title, kind in zip(axes.flat, arrays, titles, kinds):
        if kind == "image":
            show_image(ax, array, title)
        elif kind == "signed":
            show_signed(ax, array, title)
        elif kind == "kernel":
            show_kernel(ax, array, title)
        else:
            raise ValueError(f"kinds entries must be 'image', 'signed' or 'kernel', got {kind!r}")
    for ax in axes.flat[len(arrays):]:
        ax.set_visible(False)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def show_conv(image, kernel, output, title: str = "", image_title: str = "input x",
              kernel_title: str = "kernel w", output_title: str = "output y") -> Figure:
    """The book's standard input / kernel / output layout for one convolution."""
    output = _to_numpy(output)
    kind = "image" if output.min() >= 0 and output.max() <= 1 else "signed"
    return show_panels([image, kernel, output], [image_title, kernel_title, output_title],
                       ["image", "kernel", kind], suptitle=title or None)


def show_feature_maps(maps, title: str, ncols: int = 8, size: float = 1.4, signed: bool = True) -> Figure:
    """Draw a (C, H, W) stack of feature maps as a grid, one titled panel per channel."""
    maps = _to_numpy(maps)
    if maps.ndim != 3:
        raise ValueError(f"maps must be 3-D (C, H, W), got shape {maps.shape}")
    ncols = min(ncols, len(maps))
    nrows = -(-len(maps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False)
    for c, ax in enumerate(axes.flat):
        if c >= len(maps):
            ax.set_visible(False)
            continue
        limit = float(np.abs(maps[c]).max()) or 1.0
        ax.imshow(maps[c], cmap=SIGNED_CMAP if signed else IMAGE_CMAP,
                  vmin=-limit if signed else None, vmax=limit if signed else None)
        ax.set_title(f"channel {c}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    return fig


_ICONS = {
    "fa fa-fast-backward": "\u23ee", "fa fa-fast-forward": "\u23ed", "fa fa-minus": "\u2212",
    "fa fa-plus": "+", "fa fa-pause": "\u23f8", "fa fa-play fa-flip-horizontal": "\u25c0",
    "fa fa-play": "\u25b6", "fa fa-step-backward": "\u23f4", "fa fa-step-forward": "\u23f5",
}
_animation_count = 0


def _offline_player(html: str) -> str:
    """Make matplotlib's JS player work offline and reproducibly.

    matplotlib links a Font Awesome stylesheet from a CDN for its button icons and names the
    player's elements with a random uuid. We drop the link, draw the icons as Unicode symbols
    and number the players instead.
    """
    global _animation_count
    html = re.sub(r'<link rel="stylesheet"\s*href="https?://[^"]*font-awesome[^"]*">', "", html)
    for css, symbol in _ICONS.items():
        html = html.replace(f'<i class="{css}"></i>', symbol)
    uid = re.search(r"_anim_img([0-9a-f]{32})", html)
    if uid:
        _animation_count += 1
        html = html.replace(uid.group(1), f"cnnbook{_animation_count:04d}")
    return html


def animate(fig: Figure, update: Callable[[int], object], frames: int, interval: int = 400):
    """Render an animation to self-contained HTML (JavaScript player, frames embedded as PNG).

    ``update(k)`` redraws the figure for frame ``k``. Works offline in the built book. The
    figure is closed so the notebook does not also show it as a still image.
    """
    from IPython.display import HTML

    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    anim = FuncAnimation(fig, update, frames=frames, interval=interval, blit=False)
    html = _offline_player(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    return HTML(html)
