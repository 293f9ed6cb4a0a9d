"""Checkers for the exercises of the chapter "Pooling and unpooling" (``book/pooling/pooling.ipynb``).

Each checker compares the learner's answer with a reference computed by the package (never a
literal), prints one verdict and returns it. None of them prints the expected answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.functional.pooling import max_pool2d, max_unpool2d, pool_output_size
from cnnbook.probes import linear_weights

__all__ = [
    "TIES",
    "check_ceil_output_size",
    "check_tie_indices",
    "check_block_max_pool",
    "check_unpool_plane",
    "check_bilinear_quarter_weights",
    "check_shift_survival",
]

#: Every ready-made max pooling a learner could call instead of pooling by hand.
_MAX_POOLS = (max_pool2d, F.max_pool2d, F.max_pool2d_with_indices, torch.max_pool2d)

#: The 4×4 plane of the exercise "Switches with ties" (shown to the learner in the exercise text).
TIES = np.array([[3, 3, 0, 1],
                 [1, 3, 1, 1],
                 [2, 0, 4, 2],
                 [0, 2, 2, 4]], dtype=np.float64)


@checker
def check_ceil_output_size(answer: Any) -> Verdict:
    """Exercise 'The last window in ceil mode': i = 7, k = 2, s = 3, ceil_mode=True, for p = 0 and p = 1.

    The answer is the pair (outputs with p=0, outputs with p=1). The pair tells the ceil-mode rule apart
    from both shortcuts: the floor formula gets p=0 wrong, the plain ceiling gets p=1 wrong.
    """
    expected = tuple(pool_output_size(7, 2, stride=3, padding=p, ceil_mode=True) for p in (0, 1))
    return check(answer, expected, name="(outputs with p=0, outputs with p=1)", forbidden=(pool_output_size,))


@checker
def check_tie_indices(answer: Any) -> Verdict:
    """Exercise 'Switches with ties': the 2×2 flat indices that 2×2 max pooling returns for TIES."""
    _, indices = max_pool2d(TIES[None, None], 2, return_indices=True)
    return check(answer, indices[0, 0], name="indices", forbidden=_MAX_POOLS)


def _reference_block_max(x: np.ndarray, k: int) -> np.ndarray:
    return max_pool2d(np.asarray(x, dtype=np.float64)[None, None], k)[0, 0]


def _planes(seed: int) -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((4, 4)), 2), (rng.standard_normal((6, 9)), 3),
            (rng.standard_normal((7, 9)), 2), (rng.integers(0, 3, (8, 8)).astype(float), 4),
            (rng.standard_normal((5, 5)), 1)]


@checker
def check_block_max_pool(answer: Any) -> Verdict:
    """Exercise 'Max pooling with a reshape': answer(x, k) pools a 2-D plane with k×k windows, stride k."""
    return check(answer, _reference_block_max, cases=_planes(1), name="block_max_pool",
                 forbidden=_MAX_POOLS)


def _reference_unpool(values: np.ndarray, indices: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return max_unpool2d(values[None, None], indices[None, None], 2, output_size=shape)[0, 0]


def _unpool_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray, tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    cases = []
    for shape in [(4, 4), (5, 5), (6, 3), (7, 8)]:
        x = rng.standard_normal(shape)
        values, indices = max_pool2d(x[None, None], 2, return_indices=True)
        cases.append((values[0, 0], indices[0, 0], shape))
    return cases


@checker
def check_unpool_plane(answer: Any) -> Verdict:
    """Exercise 'Unpooling by hand': answer(values, indices, shape) scatters one plane's switches."""
    return check(answer, _reference_unpool, cases=_unpool_cases(2), name="unpool_plane",
                 forbidden=(max_unpool2d, F.max_unpool2d))


@checker
def check_bilinear_quarter_weights(answer: Any) -> Verdict:
    """Exercise 'What bilinear ×¼ looks at': the 4×4 weights of output pixel (0, 0) of a 4×4 input."""
    def bilinear(x: np.ndarray) -> torch.Tensor:
        return F.interpolate(torch.from_numpy(x), scale_factor=0.25, mode="bilinear", align_corners=False)

    return check(answer, linear_weights(bilinear, (4, 4), (0, 0)), name="weights", check_dtype=False,
                 forbidden=(linear_weights, F.interpolate))


def _shift_survival(size: int = 8) -> float:
    """Fraction of single-pixel positions whose 2×2-max-pooled map is unchanged by a 1-pixel right shift."""
    same = 0
    for r in range(size):
        for c in range(size - 1):
            x = np.zeros((1, 1, size, size))
            x[0, 0, r, c] = 1.0
            shifted = np.roll(x, 1, axis=3)
            same += bool(np.array_equal(max_pool2d(x, 2), max_pool2d(shifted, 2)))
    return same / (size * (size - 1))


@checker
def check_shift_survival(answer: Any) -> Verdict:
    """Exercise 'When does a shift survive pooling?': the fraction for an 8×8 input, columns 0..6."""
    return check(answer, _shift_survival(), name="fraction", check_dtype=False, forbidden=_MAX_POOLS)
