"""Checkers for the exercises of "Convolution arithmetic: a gallery" (``book/convolutions/arithmetic-gallery.ipynb``).

Every reference is computed when the checker runs, from the figure geometry of
:mod:`cnnbook.plot.arithmetic` (itself tested against PyTorch) or from PyTorch; no checker prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.exercises._forbid import CONV2D
from cnnbook.functional.conv import conv_output_size
from cnnbook.functional.transposed import (
    conv_transpose2d, conv_transpose2d_scatter, conv_transpose2d_zero_insertion, conv_transpose_output_size,
)
from cnnbook.plot.arithmetic import INPUT, INSERTED, conv_geometry

__all__ = ["check_equivalent_conv_by_hand", "check_window_inputs", "check_transposed_as_conv"]


def _equivalent_conv(in_size: int, kernel_size: int, stride: int, padding: int, output_padding: int) -> tuple[int, ...]:
    """(stretched size, zeros before, zeros after, output size) of the stride-1 conv equal to a transposed one."""
    g = conv_geometry(in_size, kernel_size, stride, padding, transposed=True, output_padding=output_padding)
    kinds = g.axis_kind
    stretched = sum(kind in (INPUT, INSERTED) for kind in kinds)
    before = kinds.index(INPUT)
    after = len(kinds) - before - stretched
    return stretched, before, after, g.out_size


@checker
def check_equivalent_conv_by_hand(answer: Any) -> Verdict:
    """Exercise 'The equivalent convolution by hand': ConvTranspose2d(k=4, s=2, p=1, output_padding=1) on 3x3."""
    return check(answer, _equivalent_conv(3, 4, 2, 1, 1),
                 name="(stretched size, zeros before, zeros after, output size)", forbidden=(conv_geometry, conv_transpose_output_size, conv_output_size))


def _reference_window(i: int, k: int, s: int, p: int, d: int, j: int) -> list[int]:
    g = conv_geometry(i, k, stride=s, padding=p, dilation=d)
    if not 0 <= j < g.out_size:
        raise ValueError(f"j must be between 0 and {g.out_size - 1}, got {j}")
    return [g.axis_source[r] for r in g.window(j) if g.axis_source[r] >= 0]


#: (i, k, s, p, d, j): every window reads at least one input pixel.
WINDOW_CASES = [(5, 3, 1, 0, 1, 0), (5, 3, 1, 0, 1, 2), (5, 3, 1, 2, 1, 0), (5, 3, 1, 2, 1, 6), (6, 3, 2, 1, 1, 2),
                (7, 3, 1, 0, 2, 1), (9, 3, 2, 2, 3, 2), (8, 4, 3, 1, 1, 1), (7, 2, 3, 0, 1, 1), (5, 3, 2, 1, 2, 0),
                (10, 1, 4, 0, 1, 2), (3, 5, 1, 2, 1, 2)]


@checker
def check_window_inputs(answer: Callable[[int, int, int, int, int, int], list[int]]) -> Verdict:
    """Exercise 'Which pixels does an output read?': (i, k, s, p, d, j) -> sorted input indices in window j."""
    return check(answer, _reference_window, cases=WINDOW_CASES, name="window_inputs",
                 forbidden=(conv_geometry, *CONV2D, F.conv1d))


def _reference_transposed(x: torch.Tensor, w: torch.Tensor, stride: int, padding: int,
                          output_padding: int) -> torch.Tensor:
    return F.conv_transpose2d(x, w, stride=stride, padding=padding, output_padding=output_padding)


@checker
def check_transposed_as_conv(answer: Callable[[torch.Tensor, torch.Tensor, int, int, int], torch.Tensor]) -> Verdict:
    """Exercise 'A transposed convolution from an ordinary one': (x, w, stride, padding, output_padding) -> tensor."""
    g = torch.Generator().manual_seed(18)
    cases = []
    for h, wd, k, s, p, a in [(3, 3, 3, 1, 0, 0), (2, 2, 3, 2, 1, 1), (3, 4, 4, 2, 1, 0), (4, 3, 3, 3, 2, 2),
                              (3, 3, 3, 2, 0, 1), (1, 1, 3, 2, 1, 0), (5, 5, 5, 1, 3, 0)]:
        cases.append((torch.randn(1, 1, h, wd, generator=g, dtype=torch.float64),
                      torch.randn(1, 1, k, k, generator=g, dtype=torch.float64), s, p, a))
    forbidden = (F.conv_transpose2d, F.conv_transpose1d, torch.conv_transpose2d, nn.ConvTranspose2d,
                 conv_transpose2d, conv_transpose2d_scatter, conv_transpose2d_zero_insertion)
    return check(answer, _reference_transposed, cases=cases, name="transposed_as_conv", rtol=1e-9, atol=1e-9,
                 forbidden=forbidden)
