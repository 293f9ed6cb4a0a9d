"""Checkers for the exercises of the chapter "Padding" (``book/padding/padding.ipynb``).

Every reference is computed with the package (``cnnbook.functional``) or PyTorch when the
checker runs; no checker prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.exercises._forbid import conv2d_when
from cnnbook.functional.conv import conv_output_size, same_padding
from cnnbook.functional.padding import PAD_MODES, pad, pad_indices

__all__ = [
    "check_tf_same_by_hand",
    "check_zero_padding_border",
    "check_reflect_pad_1d",
    "check_tf_same_padding",
    "check_conv2d_tf_same",
    "check_modes_that_fit",
]


@checker
def check_tf_same_by_hand(answer: Any) -> Verdict:
    """Exercise 'TF SAME by hand': (output size, pad before, pad after) for i=13, k=6, s=5."""
    before, after = same_padding(13, 6, stride=5)
    expected = (conv_output_size(13, 6, stride=5, padding="same"), before, after)
    return check(answer, expected, name="(output size, before, after)", forbidden=(same_padding, conv_output_size))


def _box_blur_of_ones(mode: str) -> tuple[float, float]:
    x = np.ones((1, 1, 5, 5))
    padded = torch.from_numpy(pad(x, (1, 1, 1, 1), mode=mode))
    y = F.conv2d(padded, torch.full((1, 1, 3, 3), 1 / 9, dtype=torch.float64))[0, 0]
    return float(y[0, 0]), float(y[0, 2])


@checker
def check_zero_padding_border(answer: Any) -> Verdict:
    """Exercise 'Zero padding darkens the border': (corner, edge) value of a 3x3 mean of ones, zero-padded."""
    return check(answer, _box_blur_of_ones("constant"), name="(corner, edge)", forbidden=(pad, np.pad, F.pad))


def _reference_reflect_1d(x: Any, left: int, right: int) -> np.ndarray:
    row = np.asarray(x, dtype=np.float64).reshape(1, 1, 1, -1)
    return pad(row, (left, right, 0, 0), mode="reflect").reshape(-1)


@checker
def check_reflect_pad_1d(answer: Callable[[np.ndarray, int, int], np.ndarray]) -> Verdict:
    """Exercise 'Reflect padding in 1-D': a function (x, left, right) -> reflect-padded 1-D array."""
    rng = np.random.default_rng(4)
    cases = [(np.arange(5.0), 2, 1), (np.arange(4.0), 3, 3), (rng.standard_normal(7), 0, 4),
             (np.array([2.0, -1.0]), 1, 1), (rng.standard_normal(6), 5, 0), (np.array([3.0]), 0, 0)]
    return check(answer, _reference_reflect_1d, cases=cases, name="reflect_pad_1d",
                 forbidden=(pad, pad_indices, np.pad, F.pad))


def _reference_tf_pads(size: int, kernel_size: int, stride: int) -> tuple[int, int]:
    return same_padding(size, kernel_size, stride=stride)


@checker
def check_tf_same_padding(answer: Callable[[int, int, int], tuple[int, int]]) -> Verdict:
    """Exercise 'TensorFlow SAME padding': a function (size, kernel_size, stride) -> (before, after)."""
    cases = [(5, 3, 2), (6, 3, 2), (224, 3, 2), (13, 6, 5), (7, 1, 3), (8, 4, 1), (9, 5, 3), (10, 2, 4), (3, 7, 1)]
    return check(answer, _reference_tf_pads, cases=cases, name="tf_same_padding", forbidden=(same_padding,))


def _reference_tf_same_conv(x: torch.Tensor, w: torch.Tensor, stride: int) -> torch.Tensor:
    (top, bottom), (left, right) = (same_padding(x.shape[2], w.shape[2], stride),
                                    same_padding(x.shape[3], w.shape[3], stride))
    padded = torch.from_numpy(pad(x.numpy(), (left, right, top, bottom)))
    return F.conv2d(padded, w, stride=stride)


@checker
def check_conv2d_tf_same(answer: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> Verdict:
    """Exercise 'Port a TensorFlow layer': a function (x, w, stride) -> TF-SAME conv output (torch tensors)."""
    g = torch.Generator().manual_seed(4)
    cases = []
    for h, w_, k, s in [(8, 8, 3, 2), (7, 9, 3, 2), (10, 10, 4, 2), (9, 6, 5, 3), (6, 6, 3, 1)]:
        cases.append((torch.randn(2, 3, h, w_, generator=g, dtype=torch.float64),
                      torch.randn(4, 3, k, k, generator=g, dtype=torch.float64), s))
    same = conv2d_when("padding", lambda p: isinstance(p, str) and p.lower() == "same", 'with padding="same"')
    return check(answer, _reference_tf_same_conv, cases=cases, name="conv2d_tf_same", rtol=1e-9, atol=1e-9,
                 forbidden=same)


def _modes_that_fit(width: int, amount: int) -> frozenset[str]:
    fits = set()
    for mode in PAD_MODES:
        try:
            pad(np.zeros((1, 1, 1, width)), (amount, amount, 0, 0), mode=mode)
        except ValueError:
            continue
        fits.add(mode)
    return frozenset(fits)


def _as_mode_set(value: Any) -> Any:
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(value)
    return value


@checker
def check_modes_that_fit(answer: Any) -> Verdict:
    """Exercise 'Which modes can pad this much?': the modes that can pad a width-4 row by 5 on each side."""
    expected = _modes_that_fit(4, 5)
    given = (lambda: _as_mode_set(answer())) if callable(answer) else _as_mode_set(answer)
    return check(given, expected, name="set of modes")
