"""Checkers for the exercises of chapter "Spherical images", part 1 (``book/spherical/``).

Every reference is computed with the package when the checker runs; nothing is printed but the verdict.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.data.coordconv import not_so_clevr
from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.nn.spherical import CoordConv2d, SphConv2d, circular_pad2d, coord_channels
from cnnbook.sphere.equirect import pixel_latitudes, pixel_solid_angle, pixel_to_direction
from cnnbook.sphere.kernels import kernel_footprint, kernel_tap_offsets, sphconv_kernel_sizes

__all__ = [
    "check_row_latitude", "check_row_solid_angle", "check_pole_equator_ratio",
    "check_circular_pad_1d", "check_exact_shifts", "check_seam_radius",
    "check_coord_channels", "check_coordconv_parameters", "check_quadrant_test_size",
    "check_tap_offset", "check_sphconv_kernel_count", "check_sphconv_weight_count",
]

_SIZES = [(4, 8), (32, 64), (9, 18), (1, 2), (7, 5)]


# --- equirectangular.ipynb ---------------------------------------------------------------------------

@checker
def check_row_latitude(answer: Any) -> Verdict:
    """Exercise 'Latitude of a row': answer(v, height) -> latitude of row v's centres, in degrees."""
    cases = [(v, h) for h, _ in _SIZES for v in {0, h // 2, h - 1}]
    return check(answer, lambda v, h: float(np.degrees(pixel_latitudes(h)[v])), cases=cases,
                 name="row latitude", check_dtype=False, forbidden=(pixel_latitudes, pixel_to_direction))


@checker
def check_row_solid_angle(answer: Any) -> Verdict:
    """Exercise 'Solid angle of a pixel': answer(v, height, width) -> steradians of one row-v pixel."""
    cases = [(v, h, w) for h, w in _SIZES for v in {0, h // 2, h - 1}]
    return check(answer, lambda v, h, w: float(pixel_solid_angle(h, w)[v, 0]), cases=cases,
                 name="pixel solid angle", rtol=1e-9, check_dtype=False, forbidden=(pixel_solid_angle,))


@checker
def check_pole_equator_ratio(answer: Any) -> Verdict:
    """Exercise 'How much smaller is a polar pixel?': area of a top-row pixel / equator-row pixel at 32 x 64."""
    omega = pixel_solid_angle(32, 64)[:, 0]
    return check(answer, float(omega[0] / omega[15]), name="area ratio", rtol=1e-3, check_dtype=False)


# --- circular-padding.ipynb -----------------------------------------------------------------------------

@checker
def check_circular_pad_1d(answer: Any) -> Verdict:
    """Exercise 'Wrap a sequence': answer(x, p) pads a 1-D NumPy array by p on each side, wrapping around."""
    def reference(x, p):
        t = torch.as_tensor(x, dtype=torch.float64).reshape(1, 1, 1, -1)
        return circular_pad2d(t, (p, p, 0, 0)).reshape(-1).numpy()

    cases = [(np.arange(6.0), 1), (np.arange(6.0), 3), (np.array([2.0, -1.0, 5.0]), 3),
             (np.arange(10.0) ** 2, 0), (np.array([7.0]), 1)]
    return check(answer, reference, cases=cases, name="circular pad", check_dtype=False,
                 forbidden=(circular_pad2d, np.pad, F.pad))


@checker
def check_exact_shifts(answer: Any) -> Verdict:
    """Exercise 'Which shifts survive pooling?': the shifts t in 0..47 for which the chapter's circular
    network (two 2x2 max pools, W = 48) is exactly equivariant: a sorted list of ints."""
    total_stride = 2 * 2
    expected = np.array([t for t in range(48) if t % total_stride == 0])
    return check(answer, expected, name="exact shifts")


@checker
def check_seam_radius(answer: Any) -> Verdict:
    """Exercise 'How far does the seam reach?': columns on each side of the seam affected by zero
    padding for stride-1 convs with kernel sizes 3, 5, 5, 3."""
    expected = sum((k - 1) // 2 for k in (3, 5, 5, 3))
    return check(answer, expected, name="seam radius")


# --- coordconv.ipynb ------------------------------------------------------------------------------------

@checker
def check_coord_channels(answer: Any) -> Verdict:
    """Exercise 'Coordinate channels': answer(h, w) -> (2, h, w) array of row and column coordinates in [-1, 1]."""
    cases = [(4, 4), (3, 7), (8, 2), (1, 5), (6, 1)]
    return check(answer, lambda h, w: coord_channels(h, w, dtype=torch.float64).numpy(), cases=cases,
                 name="coordinate channels", check_dtype=False, forbidden=(coord_channels,))


@checker
def check_coordconv_parameters(answer: Any) -> Verdict:
    """Exercise 'Counting CoordConv weights': parameters of CoordConv2d(3, 16, 3, with_r=True) (with bias)."""
    expected = sum(p.numel() for p in CoordConv2d(3, 16, 3, with_r=True).parameters())
    return check(answer, expected, name="parameter count", forbidden=(CoordConv2d,))


@checker
def check_quadrant_test_size(answer: Any) -> Verdict:
    """Exercise 'The quadrant split': number of test centres of the full-size task (S = 64, r = 4)."""
    expected = len(not_so_clevr(64, 4, split="quadrant")["test_index"])
    return check(answer, expected, name="quadrant test size", forbidden=(not_so_clevr,))


# --- sphconv.ipynb ---------------------------------------------------------------------------------------

@checker
def check_tap_offset(answer: Any) -> Verdict:
    """Exercise 'Where does the right-hand tap land?': answer(v, height, width) -> column offset (pixels)
    of the tap one step to the right of the centre of a tangent-plane 3x3 kernel at row v."""
    cases = [(v, h, w) for h, w in [(32, 64), (16, 32), (10, 20)] for v in (0, 3, h // 2)]
    return check(answer, lambda v, h, w: float(kernel_tap_offsets(h, w)[0][v, 1, 2]), cases=cases,
                 name="tap offset", rtol=1e-6, check_dtype=False, forbidden=(kernel_tap_offsets, kernel_footprint))


@checker
def check_sphconv_kernel_count(answer: Any) -> Verdict:
    """Exercise 'How many kernels?': distinct kernels of a tied (hemisphere-mirrored) SphConv2d on 32 x 64 images."""
    layer = SphConv2d(1, 1, 32, sphconv_kernel_sizes(32, 64), tied=True)
    return check(answer, len(layer.weights), name="kernel count", forbidden=(SphConv2d, sphconv_kernel_sizes))


@checker
def check_sphconv_weight_count(answer: Any) -> Verdict:
    """Exercise 'The price of untied weights': weights (no biases) of a tied 1 -> 1 channel SphConv2d at 32 x 64."""
    layer = SphConv2d(1, 1, 32, sphconv_kernel_sizes(32, 64), tied=True)
    return check(answer, sum(p.numel() for p in layer.weights), name="weight count", forbidden=(SphConv2d,))
