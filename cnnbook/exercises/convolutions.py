"""Checkers for the exercises of the chapter "Convolutions" (``book/convolutions/``).

Each checker compares the learner's answer with a reference computed by ``cnnbook`` (or
PyTorch) on the spot, prints one verdict and returns it; it never prints the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.exercises._forbid import CONV2D, conv2d_when, not_one
from cnnbook.functional.conv import conv2d, conv_flops, conv_output_size, im2col, im2col_bytes
from cnnbook.functional.pooling import pool_output_size
from cnnbook.kernels import filter2d
from cnnbook.train import count_parameters

__all__ = [
    # cross-correlation.ipynb
    "check_flipped_corner",
    "check_correlate2d",
    "check_output_size",
    "check_output_size_fn",
    "check_same_output_sizes",
    # kernels-stride-groups.ipynb
    "check_param_count",
    "check_count_params_fn",
    "check_stack_weights",
    "check_strided_via_subsample",
    "check_grouped_by_hand",
    # speed.ipynb
    "check_flops",
    "check_im2col_megabytes",
    "check_im2col_fn",
    "check_conv_by_matmul",
    "check_inflation_factor",
]

_IMAGE = np.array([[1, 2, 3, 4, 5], [6, 7, 8, 2, 3], [2, 5, 9, 9, 5], [4, 8, 8, 2, 1]], dtype=float)
_KERNEL = np.array([[1, 1, 1], [2, 1, 2], [3, 2, 1]], dtype=float)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ----- cross-correlation.ipynb ---------------------------------------------------------------

@checker
def check_flipped_corner(answer: Any) -> Verdict:
    """Exercise 'Convolution by hand': the top-left output of a true convolution of the worked example."""
    flipped = _KERNEL[::-1, ::-1]
    expected = conv2d(_IMAGE[None, None], flipped[None, None])[0, 0, 0, 0]
    return check(answer, expected, name="top-left output of the convolution", check_dtype=False,
                 forbidden=(filter2d, *CONV2D))


def _correlate2d_reference(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return conv2d(np.asarray(image)[None, None], np.asarray(kernel)[None, None])[0, 0]


@checker
def check_correlate2d(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'Cross-correlation in two loops': a single-channel valid cross-correlation."""
    rng = _rng(1)
    cases = [(_IMAGE, _KERNEL)]
    for h, w, kh, kw in [(5, 5, 3, 3), (6, 4, 2, 3), (3, 7, 1, 4), (4, 4, 4, 4)]:
        cases.append((rng.standard_normal((h, w)), rng.standard_normal((kh, kw))))
    import scipy.signal  # imported here: only this checker needs it

    forbidden = (filter2d, *CONV2D, scipy.signal.correlate2d, scipy.signal.correlate, scipy.signal.convolve2d,
                 scipy.signal.convolve)
    return check(answer, _correlate2d_reference, cases=cases, name="correlate2d", forbidden=forbidden)


@checker
def check_output_size(answer: Any) -> Verdict:
    """Exercise 'Output size by hand': 7×7 input, 3×3 kernel, stride 2, padding 1."""
    return check(answer, conv_output_size(7, 3, stride=2, padding=1), name="output size",
                 forbidden=(conv_output_size, pool_output_size))


@checker
def check_output_size_fn(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'An output-size function': output_size(i, k, s, p, d) for valid arguments."""
    cases = [(7, 3, 2, 1, 1), (6, 3, 2, 1, 1), (5, 4, 1, 2, 1), (7, 3, 1, 0, 2), (224, 7, 2, 3, 1),
             (13, 6, 5, 0, 1), (10, 3, 3, 0, 3), (1, 1, 1, 0, 1), (32, 5, 2, 2, 2), (9, 2, 4, 1, 1)]
    return check(answer, conv_output_size, cases=cases, name="output_size",
                 forbidden=(conv_output_size, pool_output_size))


@checker
def check_same_output_sizes(answer: Any) -> Verdict:
    """Exercise 'Which inputs collide?': all i in 1..20 whose output (k=3, s=2, p=1) equals that of i=7."""
    target = conv_output_size(7, 3, stride=2, padding=1)
    expected = [i for i in range(1, 21) if conv_output_size(i, 3, stride=2, padding=1) == target]
    if isinstance(answer, (set, tuple)):
        answer = sorted(answer)
    return check(answer, expected, name="list of input sizes")


# ----- kernels-stride-groups.ipynb ---------------------------------------------------------------

def _conv_module_params(c_in: int, c_out: int, k: int, groups: int = 1, bias: bool = True) -> int:
    layer = torch.nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias, device="meta")
    return sum(p.numel() for p in layer.parameters())


@checker
def check_param_count(answer: Any) -> Verdict:
    """Exercise 'Count by hand': parameters of nn.Conv2d(3, 16, kernel_size=5) with bias."""
    return check(answer, _conv_module_params(3, 16, 5), name="parameter count",
                 forbidden=(torch.nn.Conv2d, count_parameters))


@checker
def check_count_params_fn(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'A parameter counter': count_params(c_in, c_out, k, groups, bias)."""
    cases = [(3, 16, 5, 1, True), (64, 128, 3, 4, True), (32, 32, 3, 32, False), (32, 64, 1, 1, True),
             (6, 9, 7, 3, False), (128, 128, 7, 128, True), (1, 1, 1, 1, False)]
    return check(answer, _conv_module_params, cases=cases, name="count_params",
                 forbidden=(torch.nn.Conv2d, count_parameters))


def _stack_weights(n_layers: int, channels: int) -> tuple[int, int]:
    """(weights of n stacked 3×3 convs, weights of one conv with the same receptive field), no bias."""
    stacked = sum(_conv_module_params(channels, channels, 3, bias=False) for _ in range(n_layers))
    field = 1 + 2 * n_layers
    return stacked, _conv_module_params(channels, channels, field, bias=False)


@checker
def check_stack_weights(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'Deep and thin': weights of n stacked 3×3 layers vs one layer with the same field."""
    cases = [(1, 4), (2, 8), (3, 16), (4, 2), (5, 3)]
    return check(answer, _stack_weights, cases=cases, name="stack_weights",
                 forbidden=(torch.nn.Conv2d, count_parameters))


@checker
def check_strided_via_subsample(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'Stride is subsampling': a strided conv from a stride-1 conv and slicing."""
    rng = _rng(2)
    cases = []
    for shape, k, s, p in [((1, 2, 9, 9), 3, 2, 1), ((2, 1, 10, 7), 2, 3, 0), ((1, 3, 8, 8), 3, (2, 1), 1)]:
        cases.append((rng.standard_normal(shape), rng.standard_normal((4, shape[1], k, k)), s, p))
    return check(answer, lambda x, w, s, p: conv2d(x, w, stride=s, padding=p), cases=cases,
                 name="strided_via_subsample",
                 forbidden=conv2d_when("stride", not_one, "with a stride other than 1"))


@checker
def check_grouped_by_hand(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'Groups by slicing': a grouped conv from `groups` ordinary convs and a concatenation."""
    rng = _rng(3)
    cases = []
    for n, c_in, c_out, g in [(1, 4, 6, 2), (2, 6, 3, 3), (1, 4, 4, 4), (1, 3, 3, 1)]:
        cases.append((rng.standard_normal((n, c_in, 6, 5)), rng.standard_normal((c_out, c_in // g, 3, 3)), g))
    return check(answer, lambda x, w, g: conv2d(x, w, groups=g), cases=cases, name="grouped_by_hand",
                 forbidden=conv2d_when("groups", not_one, "with more than one group"))


# ----- speed.ipynb ---------------------------------------------------------------------------

@checker
def check_flops(answer: Any) -> Verdict:
    """Exercise 'FLOPs by hand': N=8, 64→64, 56×56, 3×3, padding 1 (2 FLOPs per multiply-add)."""
    return check(answer, conv_flops((8, 64, 56, 56), (64, 64, 3, 3), padding=1), name="FLOPs", forbidden=(conv_flops,))


@checker
def check_im2col_megabytes(answer: Any) -> Verdict:
    """Exercise 'Memory by hand': im2col of one 16×128×128 float32 input for a 3×3, pad 1 conv, in MB (10^6 bytes)."""
    expected = im2col_bytes((1, 16, 128, 128), 3, stride=1, padding=1, itemsize=4) / 1e6
    return check(answer, expected, name="im2col size in MB", rtol=1e-3, check_dtype=False,
                 forbidden=(im2col_bytes, im2col))


@checker
def check_im2col_fn(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'Write im2col': (C, H, W) image, k×k kernel, stride 1, no padding → (C·k·k, H_out·W_out)."""
    rng = _rng(4)
    cases = [(rng.standard_normal((1, 4, 4)), 3), (rng.standard_normal((2, 5, 6)), 2),
             (rng.standard_normal((3, 3, 3)), 1), (rng.standard_normal((2, 4, 5)), 4)]
    return check(answer, lambda image, k: im2col(np.asarray(image)[None], k)[0], cases=cases, name="im2col",
                 forbidden=(im2col, F.unfold))


@checker
def check_conv_by_matmul(answer: Callable[..., Any]) -> Verdict:
    """Exercise 'Convolution as one matrix product': x (C, H, W), w (C_out, C, k, k) → (C_out, H_out, W_out)."""
    rng = _rng(5)
    cases = [(rng.standard_normal((1, 5, 5)), rng.standard_normal((2, 1, 3, 3))),
             (rng.standard_normal((3, 6, 4)), rng.standard_normal((4, 3, 2, 2))),
             (rng.standard_normal((2, 4, 4)), rng.standard_normal((1, 2, 4, 4)))]
    return check(answer, lambda x, w: conv2d(np.asarray(x)[None], w)[0], cases=cases, name="conv_by_matmul",
                 forbidden=(filter2d, *CONV2D))


@checker
def check_inflation_factor(answer: Any) -> Verdict:
    """Exercise 'How much bigger?': im2col size / input size for a 5×5/2, pad 2 layer on 3×64×64."""
    expected = im2col_bytes((1, 3, 64, 64), 5, stride=2, padding=2) / (3 * 64 * 64 * 4)
    return check(answer, expected, name="inflation factor", rtol=1e-3, check_dtype=False,
                 forbidden=(im2col_bytes, im2col))
