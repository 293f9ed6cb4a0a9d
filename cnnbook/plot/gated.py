"""Figure for the chapter "Gated convolution": the gated layer's two branches.

A gated convolution (:class:`cnnbook.nn.gated.GatedConv2d`) reads its input twice: a *feature*
convolution followed by an activation φ, and a *gate* convolution followed by the sigmoid σ. The
two results, of the same shape, are multiplied element by element:

    O = φ(W_f * x + b_f) ⊙ σ(W_g * x + b_g).

:func:`show_gated_conv` draws this as a block diagram, with the tensor shapes on the arrows.
"""

from __future__ import annotations

import numbers

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

__all__ = ["show_gated_conv"]

_FEATURE, _GATE, _NEUTRAL = "#cfe0f3", "#f6dcc0", "#e8e8e8"


def _int_at_least(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str, colour: str, gid: str) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=colour, edgecolor="0.25", linewidth=1.0, gid=gid))
    ax.text(x, y, text, ha="center", va="center", fontsize=9, gid=gid)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], connection: str = "arc3") -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", lw=1.0, color="0.2", connectionstyle=connection))


def show_gated_conv(in_channels: int = 2, out_channels: int = 5, kernel_size: int = 3, size: int = 16,
                    padding: int | None = None, activation: str = "ELU") -> tuple[Figure, Axes]:
    """Draw a gated convolution as two branches and return ``(fig, ax)``.

    input x (N, C_in, H, W) → feature conv W_f (k×k) then φ, and gate conv W_g (k×k) then σ, each of
    shape (N, C_out, H_out, W_out) → element-wise product ⊙ → output O of the same shape. Square
    images of side ``size``, stride 1, zero ``padding`` (default k // 2, which keeps the size), so
    H_out = size + 2·padding − k + 1. Each branch box states its parameters, C_out·(C_in·k² + 1).
    ``activation`` is the name printed for φ.

    Raises TypeError for a non-int count or a non-string activation, ValueError for a count below 1,
    a negative padding or an output smaller than one pixel; each message names the argument.
    """
    c_in = _int_at_least(in_channels, "in_channels", 1)
    c_out = _int_at_least(out_channels, "out_channels", 1)
    k = _int_at_least(kernel_size, "kernel_size", 1)
    side = _int_at_least(size, "size", 1)
    p = k // 2 if padding is None else _int_at_least(padding, "padding", 0)
    if not isinstance(activation, str) or not activation.strip():
        raise TypeError(f"activation must be a non-empty string naming φ, got {activation!r}")
    out_side = side + 2 * p - k + 1
    if out_side < 1:
        raise ValueError(f"size={side} with kernel_size={k} and padding={p} leaves no output pixel")
    branch_params = c_out * (c_in * k * k + 1)
    in_shape = f"(N, {c_in}, {side}, {side})"
    out_shape = f"(N, {c_out}, {out_side}, {out_side})"

    fig, ax = plt.subplots(figsize=(8.4, 3.4))
    y_top, y_mid, y_bottom = 1.35, 0.0, -1.35
    _box(ax, 0.0, y_mid, 1.45, 0.8, f"input x\n{in_shape}", _NEUTRAL, "input")
    _box(ax, 3.0, y_top, 2.2, 0.85, f"feature conv $W_f$, {k}×{k}\nthen φ = {activation}\n"
         f"{branch_params:,} parameters", _FEATURE, "feature")
    _box(ax, 3.0, y_bottom, 2.2, 0.85, f"gate conv $W_g$, {k}×{k}\nthen σ (sigmoid)\n"
         f"{branch_params:,} parameters", _GATE, "gate")
    ax.add_patch(Circle((6.0, y_mid), 0.28, facecolor="white", edgecolor="0.25", linewidth=1.0, gid="product"))
    ax.text(6.0, y_mid, "⊙", ha="center", va="center", fontsize=15, gid="product")
    ax.text(5.65, y_mid - 0.3, "element-wise\nproduct", ha="right", va="top", fontsize=7.5, gid="product")
    _box(ax, 8.1, y_mid, 1.7, 0.8, f"output O\n{out_shape}", _NEUTRAL, "output")

    _arrow(ax, (0.75, 0.2), (2.05, y_top - 0.1))
    _arrow(ax, (0.75, -0.2), (2.05, y_bottom + 0.1))
    bend = "angle,angleA=0,angleB=90,rad=0"
    _arrow(ax, (4.1, y_top), (6.0, 0.28), bend)
    _arrow(ax, (4.1, y_bottom), (6.0, -0.28), bend)
    ax.text(4.2, y_top + 0.08, f"φ($W_f$ * x + $b_f$)\n{out_shape}", ha="left", va="bottom", fontsize=7.5,
            color="0.25", gid="feature-shape")
    ax.text(4.2, y_bottom - 0.08, f"σ($W_g$ * x + $b_g$) ∈ (0, 1)\n{out_shape}", ha="left", va="top",
            fontsize=7.5, color="0.25", gid="gate-shape")
    _arrow(ax, (6.28, y_mid), (7.25, y_mid))
    ax.text(4.15, -2.55, f"O = φ($W_f$ * x + $b_f$) ⊙ σ($W_g$ * x + $b_g$):  {2 * branch_params:,} parameters, "
            f"twice a plain {k}×{k} convolution's", ha="center", va="center", fontsize=8.5, gid="formula")
    ax.set_xlim(-0.8, 9.1)
    ax.set_ylim(-2.8, 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"Gated convolution: two branches, one product (C_in = {c_in}, C_out = {c_out}, k = {k})")
    return fig, ax
