"""Checkers for the exercises of the chapter "Dilation and ASPP" (``book/dilation/dilation-aspp.ipynb``).

Every reference is computed with the package (``cnnbook.functional``, ``cnnbook.nn``) or
PyTorch when the checker runs; no checker prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.functional.receptive_field import receptive_field
from cnnbook.functional.transposed import conv_transpose2d, conv_transpose2d_scatter, conv_transpose2d_zero_insertion
from cnnbook.nn.aspp import ASPP

__all__ = [
    "check_gap_convention",
    "check_dilate_kernel",
    "check_receptive_field_size",
    "check_gridding",
    "check_aspp_parameters",
    "check_degenerate_rate",
]


def _k_eff_from_gaps(kernel_size: int, gaps: int) -> int:
    return receptive_field([(kernel_size, 1, gaps + 1)])[0].size


@checker
def check_gap_convention(answer: Callable[[int, int], int]) -> Verdict:
    """Exercise 'Translate the gap convention': a function (kernel_size, gaps) -> effective kernel size."""
    cases = [(3, 1), (3, 0), (3, 2), (5, 1), (1, 4), (7, 3), (2, 5)]
    return check(answer, _k_eff_from_gaps, cases=cases, name="effective_size_from_gaps",
                 forbidden=(receptive_field,))


def _dilated_kernel(w: Any, dilation: int) -> np.ndarray:
    """Zero-inserted kernel: scatter each weight of a 1x1 'image' with a transposed conv."""
    kernel = torch.as_tensor(np.asarray(w, dtype=np.float64))[None, None]
    one = torch.ones(1, 1, 1, 1, dtype=torch.float64)
    return F.conv_transpose2d(one, kernel, dilation=dilation)[0, 0].numpy()


@checker
def check_dilate_kernel(answer: Callable[[np.ndarray, int], np.ndarray]) -> Verdict:
    """Exercise 'Build the zero-inserted kernel': a function (w (k, k), dilation) -> (k_eff, k_eff) array."""
    rng = np.random.default_rng(5)
    cases = [(rng.standard_normal((3, 3)), 2), (rng.standard_normal((3, 3)), 1), (rng.standard_normal((3, 3)), 3),
             (rng.standard_normal((2, 2)), 4), (rng.standard_normal((5, 5)), 2), (rng.standard_normal((1, 1)), 3)]
    return check(answer, _dilated_kernel, cases=cases, name="dilate_kernel",
                 forbidden=(F.conv_transpose2d, conv_transpose2d, conv_transpose2d_scatter,
                            conv_transpose2d_zero_insertion))


def _final_size(layers: list[tuple[int, int, int]]) -> int:
    return receptive_field(layers)[-1].size


@checker
def check_receptive_field_size(answer: Callable[[list[tuple[int, int, int]]], int]) -> Verdict:
    """Exercise 'Receptive field of a stack': a function (layers) -> receptive field size after the last layer."""
    cases = [([(3, 1, 1)],), ([(3, 1, 1), (3, 1, 2), (3, 1, 4)],), ([(7, 2, 1), (3, 2, 1), (3, 1, 1)],),
             ([(3, 2, 2), (5, 1, 3), (1, 1, 1)],), ([(2, 2, 1)] * 4,), ([(3, 1, 6), (3, 3, 1), (3, 1, 2)],)]
    return check(answer, _final_size, cases=cases, name="receptive_field_size", forbidden=(receptive_field,))


def _gridding(rate: int, layers: int) -> tuple[int, int]:
    """(receptive field size, input positions with a nonzero gradient) for a 1-D stack at one rate."""
    size = receptive_field([(3, 1, rate)] * layers)[-1].size
    x = torch.zeros(1, 1, size, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(layers):
        y = F.conv1d(y, torch.ones(1, 1, 3, dtype=torch.float64), dilation=rate)
    (grad,) = torch.autograd.grad(y[0, 0, 0], x)
    return size, int((grad != 0).sum())


@checker
def check_gridding(answer: Any) -> Verdict:
    """Exercise 'Count the holes': (receptive field, pixels that matter) of three 3-tap convs at rate 2, in 1-D."""
    return check(answer, _gridding(2, 3), name="(receptive field, pixels that matter)",
                 forbidden=(receptive_field,))


@checker
def check_aspp_parameters(answer: Any) -> Verdict:
    """Exercise 'Count ASPP's parameters': ASPP(in_channels=64, out_channels=32, rates=(1, 2, 4))."""
    model = ASPP(64, 32, rates=(1, 2, 4))
    return check(answer, sum(p.numel() for p in model.parameters()), name="parameter count", forbidden=(ASPP,))


def _smallest_degenerate_rate(size: int) -> int:
    """Smallest rate at which a 3x3 atrous conv (padding = rate) on a size x size map equals its centre tap."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 1, size, size, generator=g, dtype=torch.float64)
    w = torch.randn(1, 1, 3, 3, generator=g, dtype=torch.float64)
    centre = x * w[0, 0, 1, 1]
    rate = 1
    while not torch.allclose(F.conv2d(x, w, padding=rate, dilation=rate), centre):
        rate += 1
    return rate


@checker
def check_degenerate_rate(answer: Any) -> Verdict:
    """Exercise 'When does a 3x3 become a 1x1?': the smallest rate for a 12x12 feature map."""
    return check(answer, _smallest_degenerate_rate(12), name="smallest rate")
