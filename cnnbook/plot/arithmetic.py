"""Convolution arithmetic drawn on grids, in the style of Dumoulin & Visin's guide.

One picture per output position: the (padded) input grid, the kernel's taps at that position,
and the output grid with the current cell. A transposed convolution is drawn as the ordinary
stride-1 convolution it equals: the input stretched by ``stride - 1`` inserted zeros between
neighbours, padded by ``q = dilation·(kernel_size − 1) − padding`` zeros on the top/left and
``q + output_padding`` on the bottom/right.

All sizes are square (one int per hyperparameter) and use PyTorch's conventions: ``padding``
per side, ``dilation = 1`` means no gaps. The output size always comes from
:func:`cnnbook.functional.conv_output_size` or
:func:`cnnbook.functional.conv_transpose_output_size`; the grid only decides where to draw.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, HTMLWriter
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.patches import Rectangle

from cnnbook._validation import integer, positive_int
from cnnbook.functional.conv import conv_output_size
from cnnbook.functional.transposed import conv_transpose_output_size
from cnnbook.plot import _offline_player

__all__ = [
    "INPUT", "PADDING", "INSERTED",
    "ConvGeometry", "conv_geometry", "draw_conv_frame", "conv_animation", "conv_animation_html",
]

#: Kinds of cell on the drawn input grid.
INPUT, PADDING, INSERTED = "input", "padding", "inserted zero"

_FACE = {INPUT: "#9ecae1", PADDING: "white", INSERTED: "white"}
_HATCH = {INPUT: None, PADDING: "////", INSERTED: ".."}
_TAP = "#e6550d"
_OUT, _OUT_NOW = "#c7e9c0", "#31a354"


@dataclass(frozen=True)
class ConvGeometry:
    """Where everything sits when one square convolution (or transposed convolution) is drawn.

    ``axis_kind[r]`` is the kind of row r (and of column r) of the drawn input grid and
    ``axis_source[r]`` the input index it holds (−1 for padding and inserted zeros). The kernel
    slides over this grid with stride ``grid_stride`` (``stride``, or 1 when transposed) and
    the given ``dilation``; ``out_size`` comes from the package's output-size helpers.
    """

    in_size: int
    kernel_size: int
    stride: int
    padding: int
    dilation: int
    transposed: bool
    output_padding: int
    out_size: int
    grid_stride: int
    axis_kind: tuple[str, ...]
    axis_source: tuple[int, ...]

    @property
    def grid_size(self) -> int:
        """Side of the drawn input grid (padding and inserted zeros included)."""
        return len(self.axis_kind)

    @property
    def n_steps(self) -> int:
        """Number of output positions, row-major: one frame of an animation each."""
        return self.out_size * self.out_size

    def cell_kind(self, row: int, col: int) -> str:
        """``INPUT``, ``PADDING`` or ``INSERTED`` for one cell of the drawn grid."""
        kinds = (self.axis_kind[row], self.axis_kind[col])
        if PADDING in kinds:
            return PADDING
        return INSERTED if INSERTED in kinds else INPUT

    def output_cell(self, step: int) -> tuple[int, int]:
        """(row, column) of output position ``step`` (row-major)."""
        step = integer(step, "step")
        if not 0 <= step < self.n_steps:
            raise ValueError(f"step must be between 0 and {self.n_steps - 1} "
                             f"(the output has {self.out_size}x{self.out_size} positions), got {step}")
        return divmod(step, self.out_size)

    def window(self, index: int) -> list[int]:
        """Grid rows (or columns) under the kernel's taps for output row (or column) ``index``.

        ``index`` is not checked against the output size, so ``window(out_size)`` is the first
        window that no longer fits the grid.
        """
        first = index * self.grid_stride
        return [first + u * self.dilation for u in range(self.kernel_size)]

    def taps(self, step: int) -> list[tuple[int, int]]:
        """The k×k grid cells under the kernel's taps at output position ``step`` (row-major)."""
        row, col = self.output_cell(step)
        return list(itertools.product(self.window(row), self.window(col)))

    def input_taps(self, step: int) -> list[tuple[int, int]]:
        """The input pixels (input coordinates) that output position ``step`` reads: taps on real input cells."""
        return [(self.axis_source[r], self.axis_source[c]) for r, c in self.taps(step)
                if self.cell_kind(r, c) == INPUT]


def conv_geometry(in_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1,
                  transposed: bool = False, output_padding: int = 0) -> ConvGeometry:
    """The drawn grid of a square convolution, or of a transposed one as its equivalent convolution.

    Direct: the input with ``padding`` cells on every side, kernel stride ``stride``.
    Transposed (PyTorch's ``ConvTranspose2d`` arguments): ``stride − 1`` inserted zeros between
    input cells, then q = dilation·(kernel_size − 1) − padding padding cells on the top/left and
    q + ``output_padding`` on the bottom/right, kernel stride 1. Drawing needs q ≥ 0, that is
    ``padding ≤ dilation·(kernel_size − 1)`` (PyTorch allows more and crops instead).

    >>> conv_geometry(5, 3, stride=2, padding=1).out_size
    3
    >>> g = conv_geometry(2, 3, stride=2, padding=1, transposed=True, output_padding=1)
    >>> g.grid_size, g.out_size
    (6, 4)
    """
    i = positive_int(in_size, "in_size")
    k = positive_int(kernel_size, "kernel_size")
    s = positive_int(stride, "stride")
    d = positive_int(dilation, "dilation")
    p = integer(padding, "padding")
    a = integer(output_padding, "output_padding")
    if p < 0:
        raise ValueError(f"padding must be >= 0, got {p}")
    if not isinstance(transposed, (bool, np.bool_)):
        raise ValueError(f"transposed must be True or False, got {transposed!r}")
    if not transposed:
        if a != 0:
            raise ValueError(f"output_padding applies to a transposed convolution only; got {a} with transposed=False")
        out = conv_output_size(i, k, stride=s, padding=p, dilation=d)
        kind = [PADDING] * p + [INPUT] * i + [PADDING] * p
        source = [-1] * p + list(range(i)) + [-1] * p
        grid_stride = s
    else:
        out = conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=a, dilation=d)
        q = d * (k - 1) - p
        if q < 0:
            raise ValueError(
                f"padding={p} is larger than dilation*(kernel_size-1) = {d * (k - 1)}: the equivalent "
                f"convolution would crop instead of pad, which this figure does not draw")
        kind, source = [PADDING] * q, [-1] * q
        for n in range(i):
            if n:
                kind += [INSERTED] * (s - 1)
                source += [-1] * (s - 1)
            kind.append(INPUT)
            source.append(n)
        kind += [PADDING] * (q + a)
        source += [-1] * (q + a)
        grid_stride = 1
    return ConvGeometry(i, k, s, p, d, bool(transposed), a, out, grid_stride, tuple(kind), tuple(source))


def _squares(cells, dx: float = 0.0, dy: float = 0.0) -> list[Rectangle]:
    return [Rectangle((dx + c, dy + r), 1, 1) for r, c in cells]


def _cells(ax: Axes, cells, face: str, hatch: str | None = None, edge: str = "0.35", lw: float = 0.8,
           alpha: float = 1.0, gid: str | None = None, dx: float = 0.0, dy: float = 0.0) -> PatchCollection:
    """Add unit squares at (row, col) ``cells`` (shifted by dx, dy) as one collection, labelled ``gid``."""
    collection = PatchCollection(_squares(cells, dx, dy), facecolor=face, edgecolor=edge, hatch=hatch, linewidth=lw, alpha=alpha)
    collection.set_gid(gid)
    ax.add_collection(collection)
    return collection


def _describe(g: ConvGeometry) -> str:
    if g.transposed:
        text = f"transposed: i'={g.in_size}, k={g.kernel_size}, s={g.stride}, p={g.padding}"
        if g.output_padding:
            text += f", a={g.output_padding}"
    else:
        text = f"i={g.in_size}, k={g.kernel_size}, s={g.stride}, p={g.padding}"
    if g.dilation != 1:
        text += f", d={g.dilation}"
    return text


class _Frame:
    """The artists of one drawn frame; :meth:`show` moves the highlights to another output position."""

    def __init__(self, ax: Axes, g: ConvGeometry, step: int, title: str | None, labels: bool):
        self.ax, self.g = ax, g
        n, o = g.grid_size, g.out_size
        by_kind: dict[str, list[tuple[int, int]]] = {INPUT: [], PADDING: [], INSERTED: []}
        for r, c in itertools.product(range(n), range(n)):
            by_kind[g.cell_kind(r, c)].append((r, c))
        for kind, cells in by_kind.items():
            if cells:
                _cells(ax, cells, _FACE[kind], _HATCH[kind], edge="0.35" if kind == INPUT else "0.6", gid=kind)
        self.x0, self.y0 = n + 1.5, (n - o) / 2
        _cells(ax, itertools.product(range(o), range(o)), _OUT, gid="output", dx=self.x0, dy=self.y0)
        self.taps = _cells(ax, [], _TAP, edge="black", alpha=0.5, gid="tap")
        self.now = _cells(ax, [], _OUT_NOW, gid="output now", dx=self.x0, dy=self.y0)
        span = g.dilation * (g.kernel_size - 1) + 1
        self.window = Rectangle((0, 0), span, span, fill=False, edgecolor="black", lw=1.8)
        ax.add_patch(self.window)
        if labels:
            below = max(n, self.y0 + o) + 0.3
            two_lines = g.transposed and g.stride > 1
            grid_name = "stretched and\npadded" if two_lines else ("padded input" if PADDING in g.axis_kind else "input")
            ax.text(n / 2, below, f"{grid_name} {n}x{n}", ha="center", va="top", fontsize=7)
            ax.text(self.x0 + o / 2, below, f"output {o}x{o}", ha="center", va="top", fontsize=7)
        ax.set_xlim(-0.3, self.x0 + o + 0.3)
        ax.set_ylim(max(n, self.y0 + o) + (1.4 + 0.9 * (g.transposed and g.stride > 1) if labels else 0.3), -0.3)
        ax.set_aspect("equal")
        ax.axis("off")
        self.title = ax.set_title(title if title is not None else _describe(g), fontsize=8)
        self.show(step)

    def show(self, step: int) -> None:
        row, col = self.g.output_cell(step)
        self.taps.set_paths(_squares(self.g.taps(step)))
        self.now.set_paths(_squares([(row, col)], self.x0, self.y0))
        self.window.set_xy((self.g.window(col)[0], self.g.window(row)[0]))


def draw_conv_frame(ax: Axes, in_size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                    dilation: int = 1, step: int = 0, transposed: bool = False, output_padding: int = 0,
                    title: str | None = None, labels: bool = True) -> ConvGeometry:
    """Draw one output position of a square convolution on ``ax``: input grid left, output grid right.

    Input cells are blue, padding cells hatched with slashes, inserted zeros (transposed only)
    dotted; the kernel's k×k taps at output position ``step`` (row-major) are orange, inside a
    black frame of the effective kernel size, and the output cell they produce is dark green.
    The collections carry gids (``"tap"``, ``"output now"``, ``"input"``, ...). Returns the
    :class:`ConvGeometry`, whose ``taps(step)`` are the highlighted cells. Does not clear ``ax``.
    """
    g = conv_geometry(in_size, kernel_size, stride, padding, dilation, transposed, output_padding)
    g.output_cell(step)  # check the step before drawing anything
    _Frame(ax, g, step, title, labels)
    return g


def _animation_parts(in_size, kernel_size, stride, padding, dilation, transposed, output_padding,
                     title, figsize) -> tuple[Figure, object, int]:
    g = conv_geometry(in_size, kernel_size, stride, padding, dilation, transposed, output_padding)
    width = (g.grid_size + 1.5 + g.out_size) / (g.grid_size + 1.4)
    fig, ax = plt.subplots(figsize=figsize or (1.6 * width + 0.4, 2.2))
    # A fixed layout: no layout engine runs at each frame. (With layout=None, savefig would
    # restore the rcParams' constrained layout after the first frame and pay for it every frame.)
    fig.set_layout_engine(PlaceHolderLayoutEngine(adjust_compatible=True, colorbar_gridspec=True))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.8)
    base = title if title is not None else _describe(g)
    frame = _Frame(ax, g, 0, None, labels=True)

    def update(step: int) -> None:
        frame.show(step)
        frame.title.set_text(f"{base}\noutput position {step + 1} of {g.n_steps}")

    update(0)
    return fig, update, g.n_steps


def conv_animation(in_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1,
                   transposed: bool = False, output_padding: int = 0, *, title: str | None = None,
                   interval: int = 700, figsize: tuple[float, float] | None = None) -> FuncAnimation:
    """A FuncAnimation with one frame per output position (``out_size²`` frames, row-major).

    The output size comes from the package's helpers (see :func:`conv_geometry`). To show it in
    a notebook, prefer :func:`conv_animation_html`, which embeds small offline frames.
    """
    fig, update, frames = _animation_parts(in_size, kernel_size, stride, padding, dilation, transposed,
                                           output_padding, title, figsize)
    return FuncAnimation(fig, update, frames=frames, interval=interval, blit=False)


def conv_animation_html(in_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1,
                        transposed: bool = False, output_padding: int = 0, *, title: str | None = None,
                        interval: int = 700, figsize: tuple[float, float] | None = None, dpi: int = 60):
    """The animation of :func:`conv_animation` as the book's offline HTML player, frames as PNG at ``dpi``.

    The player is the one of :func:`cnnbook.plot.animate` (no CDN, numbered element ids); each
    frame is drawn once (a FuncAnimation draws it twice when saved). The figure is closed.
    """
    from IPython.display import HTML  # imported late: only notebooks need it

    dpi = positive_int(dpi, "dpi")
    interval = positive_int(interval, "interval")
    fig, update, frames = _animation_parts(in_size, kernel_size, stride, padding, dilation, transposed,
                                           output_padding, title, figsize)
    writer = HTMLWriter(fps=1000 / interval, embed_frames=True, default_mode="once")
    try:
        with TemporaryDirectory() as folder:
            path = Path(folder, "animation.html")
            with writer.saving(fig, path, dpi):
                for step in range(frames):
                    update(step)
                    writer.grab_frame()
            html = path.read_text()
    finally:
        plt.close(fig)
    return HTML(_offline_player(html))
