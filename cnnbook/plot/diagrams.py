"""Explanatory diagrams drawn from the package's own computations.

Each function draws one figure and returns ``(figure, data)``: the matplotlib figure and the numbers it
shows (the im2col matrix, the weight shape, the receptive-field sides, the feature maps), so a notebook
can assert that the picture agrees with the function it illustrates.

- :func:`show_im2col`: every kernel window of a small input becomes one column of the im2col matrix;
- :func:`show_kernel_volume`: a C_in × k × k kernel over a multi-channel input, and the 4-D weight;
- :func:`show_receptive_field_growth`: the input pixels that reach one output pixel after 1, 2, 3 layers;
- :func:`show_conv_pipeline`: image → kernel → feature map → pooled map (the landing-page strip);
- :func:`show_unet`: the blocks of :class:`cnnbook.nn.blocks.UNet`, down, across and up, with the
  channel counts and spatial sizes that the network itself produces.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.colors import to_rgb
from matplotlib.patches import ConnectionPatch, Patch, Rectangle

from cnnbook._validation import boolean, integer, positive_int
from cnnbook.functional.conv import conv2d, conv_output_size, im2col
from cnnbook.functional.pooling import max_pool2d
from cnnbook.functional.receptive_field import receptive_field
from cnnbook.plot import IMAGE_CMAP, SIGNED_CMAP, show_kernel

__all__ = ["WINDOW_COLOURS", "show_im2col", "show_kernel_volume", "show_receptive_field_growth",
           "show_conv_pipeline", "show_unet"]

#: One colour per window, per layer or per channel (matplotlib's "tab10" cycle).
WINDOW_COLOURS = tuple(plt.get_cmap("tab10").colors)


def _plain_2d(array, name: str) -> np.ndarray:
    """``array`` as a finite float64 2-D array, or a ValueError naming ``name``."""
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    array = np.asarray(array)
    if array.ndim != 2 or min(array.shape) < 1:
        raise ValueError(f"{name} must be a non-empty 2-D (H, W) array, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite")
    return array


def _int_between(value, name: str, low: int, high: int) -> int:
    value = integer(value, name)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high} for this figure, got {value}")
    return value


def _cell(ax: Axes, x: float, y: float, text: str | None, facecolor, gid: str | None = None,
          fontsize: float = 7, size: float = 1.0) -> None:
    """One square cell with its top-left corner at (x, y) (y grows downwards) and an optional label."""
    ax.add_patch(Rectangle((x, y), size, size, facecolor=facecolor, edgecolor="0.35", lw=0.6))
    if text is not None:
        label = ax.text(x + size / 2, y + size / 2, text, ha="center", va="center", fontsize=fontsize)
        if gid is not None:
            label.set_gid(gid)


def _tint(colour, alpha: float = 0.45) -> tuple[float, float, float]:
    """``colour`` mixed with white (an opaque pastel, so overlapping cells stay readable)."""
    return tuple(float(v) for v in alpha * np.asarray(to_rgb(colour)) + (1 - alpha))


# ----------------------------------------------------------------------------------------------
# im2col: one window, one column
# ----------------------------------------------------------------------------------------------

def show_im2col(image, kernel_size: int = 3, stride: int = 1, weight=None) -> tuple[Figure, np.ndarray]:
    """Draw how im2col turns each kernel window of a one-channel image into one column.

    ``image`` is (H, W); the windows are k × k (``kernel_size``) at ``stride``, no padding, so there are
    H_out · W_out of them (at most 10, one colour each). The left panel repeats the image once per
    output pixel (i, j), laid out like the output, with window i·W_out + j shaded; the right panel is
    ``cnnbook.functional.conv.im2col(image[None], kernel_size, stride)``, the (k², H_out·W_out) matrix
    whose column i·W_out + j is that window read row by row, shaded in the same colour. With a
    ``weight`` (k, k), its unrolled row and the product y = w_row @ cols (1, H_out·W_out) are drawn
    under the matrix.

    Returns the figure and the matrix it shows. The matrix entries are text artists with gid
    ``"im2col r c"`` (row r, column c); the product's, ``"y c"``.
    """
    image = _plain_2d(image, "image")
    h, w = image.shape
    k = positive_int(kernel_size, "kernel_size")
    if k > min(h, w):
        raise ValueError(f"kernel_size must be at most the image's smaller side {min(h, w)}, got {k}")
    s = positive_int(stride, "stride")
    out_h, out_w = conv_output_size(h, k, s), conv_output_size(w, k, s)
    n = out_h * out_w
    if n > len(WINDOW_COLOURS):
        raise ValueError(f"kernel_size={k} and stride={s} give {n} windows on a {h}x{w} image; the figure "
                         f"colours at most {len(WINDOW_COLOURS)}: use a smaller image, a larger kernel_size or stride")
    cols = im2col(image[None], k, stride=s)
    if weight is not None:
        weight = _plain_2d(weight, "weight")
        if weight.shape != (k, k):
            raise ValueError(f"weight must have shape (kernel_size, kernel_size) = ({k}, {k}), got {weight.shape}")

    matrix_width = k * k + n + 3 if weight is not None else n + 3
    fig, (ax_win, ax_mat) = plt.subplots(1, 2, figsize=(9.6, 4.4), width_ratios=[out_w * (w + 1), matrix_width],
                                         layout="constrained")
    # Left: one copy of the image per window, at the window's output position.
    for i in range(out_h):
        for j in range(out_w):
            m = i * out_w + j
            x0, y0 = j * (w + 1), i * (h + 1.6)
            for (r, c), value in np.ndenumerate(image):
                inside = s * i <= r < s * i + k and s * j <= c < s * j + k
                _cell(ax_win, x0 + c, y0 + r, f"{value:g}", _tint(WINDOW_COLOURS[m]) if inside else "white")
            ax_win.add_patch(Rectangle((x0 + s * j, y0 + s * i), k, k, fill=False,
                                       edgecolor=WINDOW_COLOURS[m], lw=2.2))
            ax_win.text(x0 + w / 2, y0 - 0.25, f"window {m}: output ({i}, {j})", ha="center", va="bottom",
                        fontsize=7, color=WINDOW_COLOURS[m])
    ax_win.set_xlim(-0.3, out_w * (w + 1) - 0.7)
    ax_win.set_ylim(out_h * (h + 1.6) - 0.8, -1.3)
    ax_win.set_aspect("equal")
    ax_win.axis("off")
    ax_win.set_title(f"input x ({h} x {w}): the {n} windows of a {k} x {k} kernel, stride {s}")

    # Right: the matrix, columns shaded like their windows; rows labelled by the kernel tap (u, v).
    left = k * k + 1 if weight is not None else 0
    for (r, m), value in np.ndenumerate(cols):
        _cell(ax_mat, left + m, r, f"{value:g}", _tint(WINDOW_COLOURS[m]), gid=f"im2col {r} {m}")
    for m in range(n):
        ax_mat.text(left + m + 0.5, -0.2, str(m), ha="center", va="bottom", fontsize=7, color=WINDOW_COLOURS[m])
    for r in range(k * k):
        ax_mat.text(left - 0.15, r + 0.5, f"(u={r // k}, v={r % k})", ha="right", va="center", fontsize=6)
    ax_mat.text(left + n / 2, -1.0, "column i·W_out + j: window (i, j)", ha="center", va="bottom", fontsize=7)
    ax_mat.text(left + n + 0.3, k * k / 2, f"row = kernel tap u·{k} + v", rotation=90, ha="left", va="center",
                fontsize=7)
    bottom = k * k
    if weight is not None:
        y = weight.reshape(1, -1) @ cols
        row = k * k + 0.8
        for t, value in enumerate(weight.reshape(-1)):
            _cell(ax_mat, t, row, f"{value:g}", "0.9")
        for m, value in enumerate(y[0]):
            _cell(ax_mat, left + m, row, f"{value:g}", _tint(WINDOW_COLOURS[m], 0.8), gid=f"y {m}")
        ax_mat.text(k * k / 2, row + 1.25, f"w as a row (1 x {k * k})", ha="center", va="top", fontsize=7)
        ax_mat.text(left + n / 2, row + 1.25, f"y = w_row @ cols (1 x {n})", ha="center", va="top", fontsize=7)
        bottom = row + 2.2
    ax_mat.set_xlim(-0.3 if weight is not None else -3.2, left + n + 1.3)
    ax_mat.set_ylim(bottom + 0.2, -1.6)
    ax_mat.set_aspect("equal")
    ax_mat.axis("off")
    ax_mat.set_title(f"im2col(x): {k * k} x {n}, one column per window")
    return fig, cols


# ----------------------------------------------------------------------------------------------
# A 3-D kernel over a multi-channel input, and the 4-D weight
# ----------------------------------------------------------------------------------------------

#: Offset (x, y) of each channel slice behind the previous one, in cells (an oblique projection).
_DEPTH = np.array([1.2, -0.9])


def _slab(ax: Axes, origin, rows: int, cols: int, channel: int, colour, highlight=None,
          highlight_colour=None, alpha: float = 0.3) -> None:
    """One translucent (rows, cols) slice of a volume, pushed back by ``channel`` depth offsets.

    y grows downwards. ``highlight`` = (top, left, height, width) is shaded in ``highlight_colour``
    (default: the slice's colour) and outlined in black.
    """
    x0, y0 = np.asarray(origin, dtype=float) + channel * _DEPTH
    face = (*to_rgb(colour), alpha)
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, facecolor=face, edgecolor="0.35", lw=0.5))
    if highlight is not None:
        top, lft, hh, ww = highlight
        ax.add_patch(Rectangle((x0 + lft, y0 + top), ww, hh, facecolor=(*to_rgb(highlight_colour or colour), 0.6),
                               edgecolor="black", lw=1.4))


def _volume(ax: Axes, origin, depth: int, rows: int, cols: int, colours, highlight=None, highlight_depth=None,
            highlight_colour=None, alpha: float = 0.3) -> None:
    """A stack of ``depth`` slices drawn back to front; slice c gets ``colours[c]``."""
    for c in reversed(range(depth)):
        mark = highlight if highlight_depth is None or c == highlight_depth else None
        _slab(ax, origin, rows, cols, c, colours[c], mark, highlight_colour, alpha)


def show_kernel_volume(in_channels: int = 3, out_channels: int = 4, kernel_size: int = 3, height: int = 5,
                       width: int = 5, position: tuple[int, int] = (1, 1), out_channel: int = 0
                       ) -> tuple[Figure, tuple[int, int, int, int]]:
    """Draw one C_in × k × k kernel over a C_in-channel input, and the C_out kernels as the 4-D weight.

    Left panel: the input volume (C_in, H, W) with the window at output pixel ``position`` = (i, j)
    shaded on every channel, the kernel w[o] (C_in, k, k) for ``out_channel`` o (slice c in the colour
    of input channel c), and the output volume (C_out, H_out, W_out) (stride 1, no padding) with the
    single pixel that their dot product gives, y[o, i, j] = b[o] + Σ_{c,u,v} w[o, c, u, v] · x[c, i+u, j+v].
    Right panel: the C_out kernels side by side, which stack into the weight of shape
    (C_out, C_in, k, k), written on the figure.

    Returns the figure and that shape.
    """
    c_in = _int_between(in_channels, "in_channels", 1, 6)
    c_out = _int_between(out_channels, "out_channels", 1, 8)
    h = _int_between(height, "height", 1, 9)
    w = _int_between(width, "width", 1, 9)
    k = positive_int(kernel_size, "kernel_size")
    if k > min(h, w):
        raise ValueError(f"kernel_size must be at most min(height, width) = {min(h, w)}, got {k}")
    out_h, out_w = h - k + 1, w - k + 1
    if not (isinstance(position, (tuple, list)) and len(position) == 2):
        raise ValueError(f"position must be an (i, j) pair, got {position!r}")
    i, j = (integer(v, "position") for v in position)
    if not (0 <= i < out_h and 0 <= j < out_w):
        raise ValueError(f"position must lie in the {out_h} x {out_w} output, got {(i, j)}")
    o = integer(out_channel, "out_channel")
    if not 0 <= o < c_out:
        raise ValueError(f"out_channel must be between 0 and out_channels - 1 = {c_out - 1}, got {o}")
    shape = (c_out, c_in, k, k)
    colours = WINDOW_COLOURS[:c_in]
    greys = ["0.6"] * c_out
    back_in, back_out = (c_in - 1) * _DEPTH, (c_out - 1) * _DEPTH

    fig, (ax, ax_w) = plt.subplots(1, 2, figsize=(10.0, 3.9), width_ratios=[3.0, 2.0], layout="constrained")
    # Input volume, kernel, output volume, left to right; labels under each.
    x_kernel = w + back_in[0] + 2.0
    x_out = x_kernel + k + back_in[0] + 2.5
    _volume(ax, (0, 0), c_in, h, w, colours, highlight=(i, j, k, k))
    for c in range(c_in):
        dx, dy = c * _DEPTH
        ax.text(dx - 0.15, dy + 0.5, f"c = {c}", fontsize=6.5, color=colours[c], ha="right", va="center")
    ax.text(w / 2, h + 0.4, f"input x: C_in x H x W = {c_in} x {h} x {w}", ha="center", va="top", fontsize=8)
    y_kernel = float(i)          # the kernel level with its window
    _volume(ax, (x_kernel, y_kernel), c_in, k, k, colours, alpha=0.75)
    ax.text(x_kernel + k / 2 + back_in[0] / 2, max(h, y_kernel + k) + 0.4,
            f"kernel w[{o}]: C_in x k x k = {c_in} x {k} x {k}", ha="center", va="top", fontsize=8)
    _volume(ax, (x_out, 0), c_out, out_h, out_w, greys, highlight=(i, j, 1, 1), highlight_depth=o,
            highlight_colour="crimson")
    ax.text(x_out + out_w / 2 + back_out[0] / 2, h + 0.4,
            f"output y: C_out x H_out x W_out\n= {c_out} x {out_h} x {out_w}", ha="center", va="top", fontsize=8)
    ax.annotate("", xy=(x_kernel - 0.2, y_kernel + k / 2), xytext=(w + 0.2, y_kernel + k / 2),
                arrowprops=dict(arrowstyle="->", lw=1.0))
    target = np.array([x_out + j + 0.5, i + 0.5]) + o * _DEPTH
    ax.annotate("", xy=tuple(target), xytext=(x_kernel + k + 0.2, y_kernel + k / 2),
                arrowprops=dict(arrowstyle="->", lw=1.2, color="crimson"))
    ax.text((x_kernel + x_out) / 2 + k / 2, h + 2.0,
            rf"$y[{o}, {i}, {j}] = b[{o}] + \sum_{{c, u, v}}\, w[{o}, c, u, v]\; x[c, {i}+u, {j}+v]$",
            ha="center", va="top", fontsize=9, color="crimson")
    ax.set_xlim(-1.6, x_out + out_w + back_out[0] + 0.5)
    ax.set_ylim(h + 3.4, min(back_in[1], back_out[1]) - 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"one kernel spans all {c_in} input channels and gives one output pixel")

    # The C_out kernels: the 4-D weight.
    step = k + back_in[0] + 1.2
    for q in range(c_out):
        _volume(ax_w, (q * step, 0), c_in, k, k, colours, alpha=0.75)
        ax_w.text(q * step + k / 2, k + 0.3, f"w[{q}]", ha="center", va="top", fontsize=8,
                  color="crimson" if q == o else "black")
    span = c_out * step - 1.2
    ax_w.annotate("", xy=(span, k + 1.7), xytext=(0, k + 1.7), arrowprops=dict(arrowstyle="<->", lw=0.8))
    ax_w.text(span / 2, k + 2.0, f"weight shape (C_out, C_in, k, k) = {shape}", ha="center", va="top",
              fontsize=8)
    ax_w.set_xlim(-0.5, span + 0.5)
    ax_w.set_ylim(k + 3.4, back_in[1] - 0.8)
    ax_w.set_aspect("equal")
    ax_w.axis("off")
    ax_w.set_title(f"the {c_out} kernels stack into the weight")
    return fig, shape


# ----------------------------------------------------------------------------------------------
# Receptive-field growth
# ----------------------------------------------------------------------------------------------

def _field_masks(layers: list[tuple[int, int, int]], size: int) -> list[np.ndarray]:
    """The (size, size) boolean sets of input pixels that reach the centre unit after 1, 2, ... layers.

    Each layer is an all-ones k × k convolution ("same" padding d(k−1)//2, its stride and dilation),
    so a pixel reaches a unit exactly when its weight in the linear map is positive.
    """
    masks = []
    x = np.zeros((size * size, 1, size, size))
    x.reshape(size * size, -1)[np.arange(size * size), np.arange(size * size)] = 1.0    # unit impulses
    jump = 1
    for k, s, d in layers:
        x = conv2d(x, np.ones((1, 1, k, k)), stride=s, padding=d * (k - 1) // 2, dilation=d)
        jump *= s
        centre = (size // 2) // jump
        masks.append(x[:, 0, centre, centre].reshape(size, size) > 0)
    return masks


def show_receptive_field_growth(stacks: Sequence[Sequence[tuple[int, int, int]]], size: int = 15,
                                titles: Sequence[str] | None = None) -> tuple[Figure, list[list[int]]]:
    """Draw, on the input grid, the pixels that reach one output pixel after 1, 2, 3, ... layers.

    ``stacks`` is a sequence of layer stacks, one panel each; a stack is a sequence of
    ``(kernel_size, stride, dilation)`` tuples, as for
    :func:`cnnbook.functional.receptive_field.receptive_field`. Each layer uses "same" padding,
    d(k−1)//2. The unit followed is the one above the centre pixel of the ``size`` × ``size`` input
    (``size`` odd, its centre a multiple of every stack's total stride, and the largest field must
    fit). The fields are nested squares, drawn largest first; their sides must equal
    ``receptive_field``'s sizes.

    Returns the figure and, per stack, the measured side of the field after each layer.
    """
    if isinstance(stacks, (str, bytes)) or not isinstance(stacks, Sequence) or len(stacks) == 0:
        raise ValueError(f"stacks must be a non-empty sequence of layer stacks, got {stacks!r}")
    size = positive_int(size, "size")
    if size % 2 == 0:
        raise ValueError(f"size must be odd, so the input has a centre pixel, got {size}")
    if titles is not None and len(titles) != len(stacks):
        raise ValueError(f"titles must have one entry per stack, got {len(titles)} for {len(stacks)} stacks")
    plans = []
    for n, layers in enumerate(stacks):
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or len(layers) == 0:
            raise ValueError(f"stacks[{n}] must be a non-empty sequence of (kernel_size, stride, dilation)")
        if len(layers) > len(WINDOW_COLOURS):
            raise ValueError(f"stacks[{n}] has {len(layers)} layers; the figure draws at most {len(WINDOW_COLOURS)}")
        fields = receptive_field(layers)        # validates each (k, s, d)
        if fields[-1].size > size:
            raise ValueError(f"size must be at least the largest receptive field, {fields[-1].size}, got {size}")
        jump = fields[-1].jump
        if (size // 2) % jump:
            raise ValueError(f"size must put its centre pixel ({size // 2}) on a multiple of the total stride "
                             f"{jump} of stacks[{n}], got {size}")
        plans.append(([tuple(int(v) for v in layer) for layer in layers], fields))

    fig, axes = plt.subplots(1, len(stacks), figsize=(3.3 * len(stacks), 3.6), squeeze=False, layout="constrained")
    sides_per_stack = []
    for n, (ax, (layers, fields)) in enumerate(zip(axes[0], plans)):
        masks = _field_masks(layers, size)
        ax.imshow(np.zeros((size, size)), cmap="Greys", vmin=0, vmax=1)
        for t in range(size + 1):
            ax.axhline(t - 0.5, color="0.8", lw=0.5, zorder=3)
            ax.axvline(t - 0.5, color="0.8", lw=0.5, zorder=3)
        sides, handles = [], []
        for depth in reversed(range(len(layers))):
            rows, cols = np.nonzero(masks[depth])
            top, lft = rows.min(), cols.min()
            side = int(rows.max() - top + 1)
            colour = WINDOW_COLOURS[depth]
            for r, c in zip(rows, cols):
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=_tint(colour, 0.5), edgecolor="none",
                                       gid=f"field {depth} {r} {c}"))
            ax.add_patch(Rectangle((lft - 0.5, top - 0.5), side, side, fill=False, edgecolor=colour, lw=1.8))
            sides.append(side)
            handles.append(Patch(facecolor=_tint(colour, 0.5), edgecolor=colour,
                                 label=f"{depth + 1} layer{'s' if depth else ''}: {side} x {side}"))
        sides.reverse()
        handles.reverse()
        ax.plot([size // 2], [size // 2], marker="s", color="black", markersize=4, linestyle="none")
        ax.set_xticks(range(0, size, 2))
        ax.set_yticks(range(0, size, 2))
        ax.set_xlabel("input column j")
        ax.set_ylabel("input row i")
        strides = ", ".join(str(s) for _, s, _ in layers)
        ax.set_title(titles[n] if titles is not None else f"{len(layers)} layers, strides {strides}")
        ax.legend(handles=handles, loc="upper left", fontsize=6, framealpha=0.9)
        sides_per_stack.append(sides)
    return fig, sides_per_stack


# ----------------------------------------------------------------------------------------------
# image -> kernel -> feature map -> pooled map
# ----------------------------------------------------------------------------------------------

def show_conv_pipeline(image, kernel, pool_size: int = 4, kernel_name: str = "kernel"
                       ) -> tuple[Figure, dict[str, np.ndarray]]:
    """A strip of four panels: the image, the kernel, the feature map and the max-pooled map.

    The feature map is ``conv2d(image, kernel)`` (no padding, so the border adds no artificial edge),
    the pooled map ``max_pool2d(feature_map, pool_size)``; arrows join the panels. Returns the figure and
    ``{"feature_map": ..., "pooled": ...}`` as (H, W) arrays.
    """
    image = _plain_2d(image, "image")
    kernel = _plain_2d(kernel, "kernel")
    k = kernel.shape[0]
    if kernel.shape != (k, k):
        raise ValueError(f"kernel must be square, got shape {kernel.shape}")
    if k > min(image.shape):
        raise ValueError(f"kernel must be smaller than image, got {kernel.shape} and {image.shape}")
    pool = positive_int(pool_size, "pool_size")
    feature_side = min(image.shape) - k + 1
    if pool > feature_side:
        raise ValueError(f"pool_size must be at most the feature map's smaller side {feature_side}, got {pool}")
    feature = conv2d(image[None, None], kernel[None, None])[0, 0]
    pooled = max_pool2d(feature[None, None], pool)[0, 0]

    fig, axes = plt.subplots(1, 4, figsize=(10.0, 2.9), width_ratios=[1, 0.75, 1, 1], layout="constrained")
    fig.get_layout_engine().set(wspace=0.2)      # room for the arrows between the panels
    h, w = image.shape
    axes[0].imshow(image, cmap=IMAGE_CMAP, vmin=0.0, vmax=1.0)
    axes[0].set_title(f"1. image x ({h} x {w})")
    show_kernel(axes[1], kernel, f"2. {kernel_name} w ({k} x {k})")
    limit = float(np.abs(feature).max()) or 1.0
    axes[2].imshow(feature, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    axes[2].set_title(f"3. feature map y ({feature.shape[0]} x {feature.shape[1]})")
    axes[3].imshow(pooled, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    axes[3].set_title(f"4. max pool {pool} x {pool} ({pooled.shape[0]} x {pooled.shape[1]})")
    for ax in (axes[0], axes[2], axes[3]):
        ax.set_xlabel("column j")
        ax.set_ylabel("row i")
        ax.set_xticks([])
        ax.set_yticks([])
    # Each arrow ends left of the next panel's axis label (further for the kernel, which has tick labels).
    for left, right, end, label in ((axes[0], axes[1], -0.36, "slide w"), (axes[1], axes[2], -0.1, "sum of products"),
                                    (axes[2], axes[3], -0.1, "keep the max")):
        arrow = ConnectionPatch(xyA=(1.03, 0.5), coordsA=left.transAxes, xyB=(end, 0.5), coordsB=right.transAxes,
                                arrowstyle="-|>", lw=1.2, color="0.2", mutation_scale=12)
        arrow.set_gid(f"arrow: {label}")
        fig.add_artist(arrow)
    return fig, {"feature_map": feature, "pooled": pooled}


# ----------------------------------------------------------------------------------------------
# U-Net: encoder blocks down, decoder blocks up, skips across
# ----------------------------------------------------------------------------------------------

_UNET_COLOURS = {"input": "0.85", "stem": WINDOW_COLOURS[0], "encoder": WINDOW_COLOURS[0],
                 "decoder": WINDOW_COLOURS[1], "skip": WINDOW_COLOURS[2], "fuse": WINDOW_COLOURS[4],
                 "output": "0.6"}
_UPSAMPLING = {"bilinear": "bilinear x2, 3x3 conv", "nearest": "nearest x2, 3x3 conv",
               "transposed": "ConvT k=4, s=2"}


def _unet_shapes(net, x) -> dict[str, tuple[int, int, int]]:
    """Run ``net`` (a :class:`cnnbook.nn.blocks.UNet`) on ``x`` and record (C, H, W) after every block.

    Keys: ``"input"``, ``"stem"``, ``"encoder l"`` (l = 1..L), ``"decoder l"`` (the upsampled map that
    meets level l - 1, cropped to the skip's size), ``"concat l"`` (what ``fuse[l - 1]`` reads: skip and
    upsampled map concatenated, or the upsampled map alone without skips), ``"fuse l"`` and ``"output"``.
    """
    import torch

    shapes: dict[str, tuple[int, int, int]] = {"input": tuple(int(v) for v in x.shape[1:])}

    def record(name, pre=False):
        def hook(module, args, output=None):
            tensor = args[0] if pre else output
            shapes[name] = tuple(int(v) for v in tensor.shape[1:])
        return hook

    handles = [net.stem.register_forward_hook(record("stem")), net.head.register_forward_hook(record("output"))]
    for level, (encoder, decoder, fuse) in enumerate(zip(net.encoders, net.decoders, net.fuse), start=1):
        handles += [encoder.register_forward_hook(record(f"encoder {level}")),
                    decoder.register_forward_hook(record(f"decoder {level}")),
                    fuse.register_forward_pre_hook(record(f"concat {level}", pre=True)),
                    fuse.register_forward_hook(record(f"fuse {level}"))]
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            net(x)
    finally:
        net.train(was_training)
        for handle in handles:
            handle.remove()
    return shapes


def show_unet(depth: int = 2, base_channels: int = 16, in_channels: int = 1, out_channels: int = 1,
              size: int | tuple[int, int] = 64, mode: str = "bilinear", skips: bool = True
              ) -> tuple[Figure, dict[str, tuple[int, int, int]]]:
    """Draw ``cnnbook.nn.blocks.UNet`` as a U: encoder blocks down, decoder blocks up, skips across.

    The network drawn is ``UNet(in_channels, out_channels, widths, mode, skips)`` with
    ``widths = (b, 2b, ..., 2^depth b)`` for ``b = base_channels``, so it has ``depth`` stride-2
    ``EncoderBlock`` layers and as many ``DecoderBlock`` layers. The figure does not compute any size itself: it
    builds that network, runs it once on a zero input of ``size`` (an int for a square H = W, or a pair
    (H, W)) and labels each block with the (C, H, W) it produced. Level l (one row per level, l = 0 at
    the top) holds the maps of size ceil(H / 2^l). Each box's height grows with its spatial size and its
    width with its channels; the skip connections are arrows across the U into the concatenation
    (skip map and upsampled map side by side), which the fusing 3x3 conv reads.

    Returns the figure and the shapes it shows, keyed ``"input"``, ``"stem"``, ``"encoder l"``,
    ``"decoder l"``, ``"concat l"``, ``"fuse l"`` (l = 1..depth) and ``"output"``. Each label is a text
    artist with gid ``"shape <key>"``; each skip arrow has gid ``"skip l"``.
    """
    depth = _int_between(depth, "depth", 1, 4)
    base = _int_between(base_channels, "base_channels", 1, 256)
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"size must be an int or an (H, W) pair, got {size!r}")
        h, w = (_int_between(v, "size", 1, 1024) for v in size)
    else:
        h = w = _int_between(size, "size", 1, 1024)
    skips = boolean(skips, "skips")

    import torch

    from cnnbook.nn.blocks import UNet

    widths = tuple(base * 2 ** level for level in range(depth + 1))
    net = UNet(in_channels, out_channels, widths, mode=mode, skips=skips)   # validates channels and mode
    shapes = _unet_shapes(net, torch.zeros(1, net.stem.conv.in_channels, h, w))
    n_params = sum(p.numel() for p in net.parameters())

    row = 2.4                                       # vertical distance between levels
    top_w = max(shapes["input"][2], 1)

    def box_size(shape):
        c, _, side = shape
        return 0.3 + 0.08 * np.log2(c), 0.35 + 1.25 * np.sqrt(side / top_w)

    fig, ax = plt.subplots(figsize=(1.6 + 1.2 * (3 * depth + 3), 1.6 + 1.45 * (depth + 1)), layout="constrained")
    centres: dict[str, tuple[float, float, float, float]] = {}      # key -> (x centre, y centre, width, height)

    def draw(key, x, level, colour, parts=None):
        width, height = box_size(shapes[key])
        y = -level * row
        if parts is None:
            ax.add_patch(Rectangle((x - width / 2, y - height / 2), width, height, facecolor=_tint(colour, 0.55),
                                   edgecolor="0.25", lw=0.8))
        else:                                       # a concatenation: the skip's channels, then the upsampled map's
            total = sum(c for c, _ in parts)
            left = x - width / 2
            for c, part_colour in parts:
                part = width * c / total
                ax.add_patch(Rectangle((left, y - height / 2), part, height, facecolor=_tint(part_colour, 0.55),
                                       edgecolor="0.25", lw=0.8))
                left += part
        c, hh, ww = shapes[key]
        channels = str(c) if parts is None else "(" + " + ".join(str(p) for p, _ in parts) + ")"
        label = ax.text(x, y - height / 2 - 0.08, f"{channels} x {hh} x {ww}", ha="center", va="top", fontsize=7)
        label.set_gid(f"shape {key}")
        centres[key] = (x, y, width, height)

    def arrow(start, end, text=None, colour="0.2", style="-|>", dashed=False, gid=None, ha="center"):
        (x0, y0, w0, _), (x1, y1, w1, _) = centres[start], centres[end]
        sign = 1 if x1 >= x0 else -1
        note = ax.annotate("", xy=(x1 - sign * w1 / 2, y1), xytext=(x0 + sign * w0 / 2, y0),
                           arrowprops=dict(arrowstyle=style, color=colour, lw=1.2, shrinkA=2, shrinkB=2,
                                           linestyle="--" if dashed else "-"))
        if gid is not None:
            note.set_gid(gid)
        if text is not None:                        # beside a sloping arrow, above a level one
            dx = {"center": 0.0, "right": -0.12, "left": 0.12}[ha]
            ax.text((x0 + x1) / 2 + dx, (y0 + y1) / 2 + (0.06 if ha == "center" else 0.0), text, ha=ha,
                    va="bottom" if ha == "center" else "center", fontsize=6.5, color=colour)

    step = 1.6
    x = 0.0
    draw("input", x, 0, _UNET_COLOURS["input"])
    x += step
    draw("stem", x, 0, _UNET_COLOURS["stem"])
    arrow("input", "stem", "3x3 conv")
    previous = "stem"
    for level in range(1, depth + 1):
        x += step
        draw(f"encoder {level}", x, level, _UNET_COLOURS["encoder"])
        arrow(previous, f"encoder {level}", "3x3 conv, s=2", colour=_UNET_COLOURS["encoder"], ha="right")
        previous = f"encoder {level}"
    skip_source = {0: "stem", **{level: f"encoder {level}" for level in range(1, depth)}}
    for level in reversed(range(1, depth + 1)):
        x += step
        c_skip = shapes[skip_source[level - 1]][0]
        parts = [(c_skip, _UNET_COLOURS["skip"]), (shapes[f"decoder {level}"][0], _UNET_COLOURS["decoder"])] \
            if skips else None
        draw(f"concat {level}", x, level - 1, _UNET_COLOURS["decoder"], parts)
        arrow(previous, f"concat {level}", _UPSAMPLING[net.decoders[level - 1].mode],
              colour=_UNET_COLOURS["decoder"], ha="left")
        if skips:
            arrow(skip_source[level - 1], f"concat {level}", "copy and concatenate", colour=_UNET_COLOURS["skip"],
                  dashed=True, gid=f"skip {level}")
        x += step
        draw(f"fuse {level}", x, level - 1, _UNET_COLOURS["fuse"])
        arrow(f"concat {level}", f"fuse {level}", "3x3 conv")
        previous = f"fuse {level}"
    x += step
    draw("output", x, 0, _UNET_COLOURS["output"])
    arrow(previous, "output", "1x1 conv")

    handles = [Patch(facecolor=_tint(_UNET_COLOURS[k], 0.55), edgecolor="0.25", label=label) for k, label in
               (("encoder", "stem and encoder blocks"), ("decoder", "upsampled (decoder block)"),
                ("skip", "skip copy"), ("fuse", "fusing conv"))
               if skips or k != "skip"]
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    heights = [c[3] for c in centres.values()]
    ax.set_xlim(-0.8, x + 0.8)
    ax.set_ylim(-depth * row - max(heights) / 2 - 0.6, max(heights) / 2 + 0.5)
    ax.axis("off")
    ax.set_title(f"U-Net, widths {widths}{'' if skips else ', without skips'}: {n_params:,} parameters; "
                 "labels: channels x height x width")
    return fig, shapes
