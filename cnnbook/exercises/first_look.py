"""Checkers for the exercises of "A first look at convolution"."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.kernels import box_kernel, filter2d, sobel_kernels

__all__ = ["PATCH", "check_blur_value", "check_shift_kernel", "check_sobel_magnitude"]

#: The small image used in the "box blur by hand" exercise.
PATCH = np.array([[1, 2, 0, 4, 1],
                  [3, 9, 6, 2, 0],
                  [5, 1, 7, 3, 8],
                  [0, 4, 2, 6, 1],
                  [2, 8, 3, 1, 5]], np.float32)

_rng = np.random.default_rng(2024)
_TEST_IMAGES = [(_rng.random((h, w)).astype(np.float32),) for h, w in [(6, 7), (9, 5), (12, 12)]]


@checker
def check_blur_value(answer) -> Verdict:
    """Exercise: the 3x3 box-blur output at row 1, column 2 of PATCH (no padding)."""
    reference = float(filter2d(PATCH, box_kernel(3), padding=0)[0, 1])
    return check(answer, reference, name="blurred value", rtol=1e-4, check_dtype=False,
                 forbidden=(filter2d, F.conv2d))


def _shift_right(image: np.ndarray) -> np.ndarray:
    out = np.zeros_like(image)
    out[:, 1:] = image[:, :-1]
    return out


@checker
def check_shift_kernel(make_kernel) -> Verdict:
    """Exercise: a 3x3 kernel that moves the image one pixel to the right (zero padding, 'same' size)."""
    if not callable(make_kernel):
        return check(make_kernel, None, cases=[], name="make_kernel")

    def effect(image):
        kernel = np.asarray(make_kernel(), dtype=np.float32)
        if kernel.shape != (3, 3):
            raise ValueError(f"the kernel must have shape (3, 3), got {kernel.shape}")
        return filter2d(image, kernel, padding=1)

    return check(effect, _shift_right, cases=_TEST_IMAGES, name="filtering with your kernel", atol=1e-6)


def _sobel_magnitude(image: np.ndarray) -> np.ndarray:
    gx, gy = sobel_kernels()
    return np.sqrt(filter2d(image, gx, padding=1) ** 2 + filter2d(image, gy, padding=1) ** 2)


@checker
def check_sobel_magnitude(answer) -> Verdict:
    """Exercise: gradient magnitude sqrt(g_x² + g_y²) of a grey image, zero padding 1, same size."""
    return check(answer, _sobel_magnitude, cases=_TEST_IMAGES, name="sobel_magnitude", rtol=1e-4, atol=1e-5)
