"""Receptive-field arithmetic for a stack of convolutions (chapter "Dilation and ASPP").

For one spatial axis, let layer l have kernel size k_l, stride s_l and dilation d_l (PyTorch's
convention: d = 1 means no gaps), so its effective kernel size is k_eff = d_l (k_l - 1) + 1.
Starting from a single input pixel (r_0 = 1, j_0 = 1), after layer l

    r_l = r_{l-1} + (k_eff - 1) * j_{l-1}        (receptive field size, in input pixels)
    j_l = j_{l-1} * s_l                           (jump: input pixels between neighbouring outputs)

At stride 1 everywhere this is r = 1 + sum_l d_l (k_l - 1); three 3x3 layers with d = 1, 2, 4
give 15. Padding shifts where a field starts but not its size, so it is not an argument.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["ReceptiveField", "receptive_field"]


class ReceptiveField(NamedTuple):
    """Receptive field after one layer: ``size`` (input pixels one output sees, per axis) and
    ``jump`` (input pixels between two neighbouring outputs, the product of the strides so far)."""

    size: int
    jump: int


def _layer(entry: object, index: int) -> tuple[int, int, int]:
    if isinstance(entry, (str, bytes)) or not isinstance(entry, (tuple, list)) or len(entry) != 3:
        raise TypeError(f"layers[{index}] must be a (kernel_size, stride, dilation) tuple of ints, got {entry!r}")
    names = ("kernel_size", "stride", "dilation")
    for name, v in zip(names, entry):
        if not isinstance(v, numbers.Integral) or isinstance(v, (bool, np.bool_)):
            raise TypeError(f"layers[{index}]: {name} must be an int, got {v!r}")
        if v < 1:
            raise ValueError(f"layers[{index}]: {name} must be positive (>= 1), got {v}")
    return int(entry[0]), int(entry[1]), int(entry[2])


def receptive_field(layers: Sequence[tuple[int, int, int]]) -> list[ReceptiveField]:
    """Receptive field size and jump after each layer of a stack of convolutions (one axis).

    ``layers`` is a sequence of ``(kernel_size, stride, dilation)`` tuples, first layer first.
    Returns one :class:`ReceptiveField` ``(size, jump)`` per layer (a named tuple, so
    ``rf, jump = result[-1]`` works), with the recurrence in the module docstring.
    An empty stack returns ``[]``.

    >>> receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])[-1]
    ReceptiveField(size=15, jump=1)
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a sequence of (kernel_size, stride, dilation) tuples, "
                        f"got {type(layers).__name__}")
    size, jump = 1, 1
    out: list[ReceptiveField] = []
    for index, entry in enumerate(layers):
        k, s, d = _layer(entry, index)
        size += d * (k - 1) * jump
        jump *= s
        out.append(ReceptiveField(size, jump))
    return out
