"""Checkers for the exercises of the chapter "Transposed and gated convolution".

Notebooks: ``book/transposed-gated/transposed.ipynb`` and ``book/transposed-gated/gated.ipynb``.
Every reference is computed with the package (``cnnbook.functional``, ``cnnbook.nn``) when the
checker runs; no checker prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.exercises._forbid import CONV2D
from cnnbook.functional.conv import conv2d, conv_output_size
from cnnbook.functional.transposed import (conv_transpose2d, conv_transpose2d_scatter, conv_transpose2d_zero_insertion,
                                           conv_transpose_output_size)
from cnnbook.probes import conv_matrix as _probes_conv_matrix
from cnnbook.nn.gated import GatedConv2d

#: Every ready-made transposed convolution a learner could call instead of writing one.
_CONV_TRANSPOSE = (conv_transpose2d, conv_transpose2d_scatter, conv_transpose2d_zero_insertion,
                   F.conv_transpose1d, F.conv_transpose2d)

__all__ = [
    # transposed.ipynb
    "check_transposed_size_by_hand",
    "check_conv_transpose1d",
    "check_overlap_counts",
    "check_output_padding_for",
    "check_conv_matrix",
    "check_even_overlap",
    # gated.ipynb
    "check_gated_parameter_count",
    "check_gated_activation",
    "check_mask_update",
    "check_partial_conv_scale",
    "check_split_gated",
]


# ---------------------------------------------------------------- transposed.ipynb

@checker
def check_transposed_size_by_hand(answer: Any) -> Verdict:
    """Exercise 'Output size by hand': ConvT output size for i=5, k=3, s=2, p=1, output_padding=0."""
    return check(answer, conv_transpose_output_size(5, 3, stride=2, padding=1), name="output size",
                 forbidden=(conv_transpose_output_size,))


def _reference_conv_transpose1d(x: Any, w: Any, stride: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(1, 1, 1, -1)
    w = np.asarray(w, dtype=np.float64).reshape(1, 1, 1, -1)
    return conv_transpose2d(x, w, stride=(1, stride)).reshape(-1)


@checker
def check_conv_transpose1d(answer: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> Verdict:
    """Exercise 'Scatter in 1-D': a function (x, w, stride) -> 1-D transposed convolution (no padding)."""
    rng = np.random.default_rng(6)
    cases = [(np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0]), 1),
             (rng.standard_normal(4), rng.standard_normal(3), 2),
             (rng.standard_normal(5), rng.standard_normal(4), 3),
             (rng.standard_normal(3), rng.standard_normal(2), 3),
             (np.array([2.0]), rng.standard_normal(5), 2),
             (rng.standard_normal(6), np.array([0.5]), 2)]
    return check(answer, _reference_conv_transpose1d, cases=cases, name="conv_transpose1d",
                 forbidden=_CONV_TRANSPOSE)


def _reference_overlap_counts(length: int, k: int, s: int) -> np.ndarray:
    return _reference_conv_transpose1d(np.ones(length), np.ones(k), s)


@checker
def check_overlap_counts(answer: Callable[[int, int, int], np.ndarray]) -> Verdict:
    """Exercise 'Count the overlaps': (length, k, s) -> how many stamps cover each output position."""
    cases = [(4, 3, 2), (5, 4, 2), (6, 5, 3), (3, 2, 3), (7, 6, 2), (1, 3, 2), (5, 3, 1)]
    return check(answer, _reference_overlap_counts, cases=cases, name="overlap_counts", check_dtype=False,
                 forbidden=_CONV_TRANSPOSE)


def _reference_output_padding(n: int, k: int, s: int, p: int) -> int:
    o = conv_output_size(n, k, stride=s, padding=p)
    return n - conv_transpose_output_size(o, k, stride=s, padding=p)


@checker
def check_output_padding_for(answer: Callable[[int, int, int, int], int]) -> Verdict:
    """Exercise 'Undo the shape': (n, k, s, p) -> output_padding so ConvT maps Conv's output size back to n."""
    cases = [(7, 3, 2, 1), (8, 3, 2, 1), (16, 4, 2, 1), (10, 3, 3, 0), (11, 3, 3, 0), (12, 3, 3, 0),
             (9, 5, 4, 2), (224, 7, 2, 3)]
    return check(answer, _reference_output_padding, cases=cases, name="output_padding_for",
                 forbidden=(conv_transpose_output_size,))


def _reference_conv_matrix(w: Any, size: int, stride: int) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    basis = np.eye(size * size).reshape(size * size, 1, size, size)
    columns = conv2d(basis, w[None, None], stride=stride)  # column q = conv of basis image q
    return columns.reshape(size * size, -1).T


@checker
def check_conv_matrix(answer: Callable[[np.ndarray, int, int], np.ndarray]) -> Verdict:
    """Exercise 'Convolution as a matrix': (w, size, stride) -> C with C @ x.ravel() == conv2d(x, w).ravel()."""
    rng = np.random.default_rng(7)
    cases = [(np.arange(1.0, 5.0).reshape(2, 2), 3, 1), (rng.standard_normal((3, 3)), 4, 1),
             (rng.standard_normal((3, 3)), 5, 2), (rng.standard_normal((2, 2)), 4, 2),
             (rng.standard_normal((1, 1)), 3, 1)]
    return check(answer, _reference_conv_matrix, cases=cases, name="conv_matrix",
                 forbidden=(_probes_conv_matrix, *CONV2D))


def _reference_even_overlap(k: int, s: int) -> bool:
    counts = _reference_overlap_counts(4 * k + 4, k, s)
    interior = counts[k:-k]
    return bool(np.all(interior == interior[0]))


@checker
def check_even_overlap(answer: Callable[[int, int], bool]) -> Verdict:
    """Exercise 'When is the overlap even?': (k, s) -> True when the interior stamp count is constant."""
    cases = [(k, s) for k in range(1, 8) for s in range(1, 5)]
    return check(answer, _reference_even_overlap, cases=cases, name="even_overlap")


# ---------------------------------------------------------------- gated.ipynb

@checker
def check_gated_parameter_count(answer: Any) -> Verdict:
    """Exercise 'Count the parameters': GatedConv2d(5, 24, 5), DeepFill v2's first layer.

    The reference code's ``gen_conv(x, cnum=48, ksize=5)`` is one 5x5 convolution with 48 output channels
    split into 24 feature and 24 gate channels, on a 5-channel input (image, ones, mask).
    """
    count = sum(p.numel() for p in GatedConv2d(5, 24, 5).parameters())
    return check(answer, count, name="parameter count", forbidden=(GatedConv2d,))


def _reference_gated_activation(feature: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    return F.elu(feature) * torch.sigmoid(gate)


@checker
def check_gated_activation(answer: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Verdict:
    """Exercise 'The gating nonlinearity': (feature, gate) pre-activations -> ELU(feature) * sigmoid(gate)."""
    g = torch.Generator().manual_seed(8)
    cases = [(torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64), torch.tensor([0.0, 5.0, -5.0], dtype=torch.float64)),
             (torch.randn(2, 3, 4, 4, generator=g, dtype=torch.float64),
              torch.randn(2, 3, 4, 4, generator=g, dtype=torch.float64)),
             (torch.full((2, 2), -10.0, dtype=torch.float64), torch.zeros(2, 2, dtype=torch.float64))]
    return check(answer, _reference_gated_activation, cases=cases, name="gated_activation")


def _reference_mask_update(valid: Any, k: int) -> np.ndarray:
    valid = np.asarray(valid, dtype=np.float64)
    counts = conv2d(valid[None, None], np.ones((1, 1, k, k)), padding=k // 2)[0, 0]
    return counts > 0


@checker
def check_mask_update(answer: Callable[[np.ndarray, int], np.ndarray]) -> Verdict:
    """Exercise 'Partial convolution's mask rule': (valid mask (H, W), odd k) -> updated valid mask."""
    rng = np.random.default_rng(9)
    hole = np.ones((7, 7))
    hole[2:5, 1:6] = 0
    cases = [(hole, 3), (hole, 5), ((rng.random((8, 6)) > 0.7).astype(float), 3),
             (np.zeros((4, 4)), 3), (np.eye(5), 1)]
    return check(answer, _reference_mask_update, cases=cases, name="mask_update", check_dtype=False)


@checker
def check_partial_conv_scale(answer: Any) -> Verdict:
    """Exercise 'Partial convolution's scale factor': sum(1)/sum(M) for a fully valid 5x5 image, 3x3 window, zero padding."""
    valid_in_window = conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding=1)[0, 0]
    return check(answer, 9.0 / valid_in_window, name="scale factor")


def _reference_split_gated(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    c_out, c_in, k, _ = weight.shape
    layer = GatedConv2d(c_in, c_out // 2, k, padding=k // 2).double()
    with torch.no_grad():
        layer.feature.weight.copy_(weight[: c_out // 2])
        layer.feature.bias.copy_(bias[: c_out // 2])
        layer.gate.weight.copy_(weight[c_out // 2:])
        layer.gate.bias.copy_(bias[c_out // 2:])
        return layer(x)


@checker
def check_split_gated(answer: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> Verdict:
    """Exercise 'One conv, split in two': (x, weight (2C, C_in, k, k), bias (2C,)) -> the gated output."""
    g = torch.Generator().manual_seed(10)

    def case(n, c_in, c2, k, size):
        return (torch.randn(n, c_in, size, size, generator=g, dtype=torch.float64),
                torch.randn(c2, c_in, k, k, generator=g, dtype=torch.float64),
                torch.randn(c2, generator=g, dtype=torch.float64))

    cases = [case(1, 1, 2, 3, 5), case(2, 3, 8, 3, 6), case(1, 2, 4, 5, 7), case(2, 4, 6, 1, 4)]
    return check(answer, _reference_split_gated, cases=cases, name="split_gated", forbidden=(GatedConv2d,))
