"""cnnbook.probes.phase_residual: the phase-folded mean residual of an upsampler's output."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook.probes import phase_residual


def test_phase_residual_of_a_checkerboard_is_plus_minus_its_amplitude():
    i, j = np.indices((6, 8))
    target = np.random.default_rng(0).random((6, 8))
    output = target + 0.25 * (-1.0) ** (i + j)
    np.testing.assert_allclose(phase_residual(output, target, 2), [[0.25, -0.25], [-0.25, 0.25]], atol=1e-15)


def test_phase_residual_of_a_constant_offset_is_the_same_in_every_phase():
    target = np.random.default_rng(1).random((2, 3, 9, 7))
    table = phase_residual(target + 0.1, target, (3, 2))
    assert table.shape == (2, 3, 3, 2)
    np.testing.assert_allclose(table, 0.1, atol=1e-12)


def test_phase_residual_ignores_a_pattern_that_the_target_shares():
    i, j = np.indices((8, 8))
    pattern = (-1.0) ** (i + j)
    np.testing.assert_array_equal(phase_residual(pattern, pattern, 2), np.zeros((2, 2)))


def test_phase_residual_of_a_vertical_stripe_error_depends_on_the_column_phase_only():
    j = np.indices((4, 6))[1]
    stripes = np.where(j % 3 == 1, 0.5, 0.0)
    np.testing.assert_allclose(phase_residual(stripes, np.zeros((4, 6)), (2, 3)), [[0, 0.5, 0], [0, 0.5, 0]])


@settings(max_examples=40, deadline=None)
@given(sh=st.integers(1, 3), sw=st.integers(1, 3), extra_h=st.integers(0, 5), extra_w=st.integers(0, 5),
       batch=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_phase_residual_equals_the_mean_over_each_phase_by_loops(sh, sw, extra_h, extra_w, batch, seed):
    rng = np.random.default_rng(seed)
    h, w = sh + extra_h, sw + extra_w                      # H and W need not be multiples of the stride
    output, target = rng.standard_normal((2, batch, h, w))
    table = phase_residual(output, target, (sh, sw))
    for n in range(batch):
        for a in range(sh):
            for b in range(sw):
                cells = [output[n, i, k] - target[n, i, k] for i in range(h) for k in range(w)
                         if i % sh == a and k % sw == b]
                assert np.isclose(table[n, a, b], np.mean(cells), rtol=1e-12, atol=1e-12)
    if h % sh == 0 and w % sw == 0:                        # equal-sized phases: their mean is the overall mean
        np.testing.assert_allclose(table.mean(axis=(-2, -1)), (output - target).mean(axis=(-2, -1)), atol=1e-12)


def test_phase_residual_accepts_torch_tensors_and_returns_float64():
    output, target = torch.ones(1, 1, 4, 4), torch.zeros(1, 1, 4, 4)
    table = phase_residual(output, target, 2)
    assert isinstance(table, np.ndarray) and table.dtype == np.float64
    np.testing.assert_array_equal(table, np.ones((1, 1, 2, 2)))


def test_phase_residual_rejects_bad_arguments():
    ones = np.ones((4, 4))
    with pytest.raises(ValueError, match="same shape"):
        phase_residual(ones, np.ones((4, 5)), 2)
    with pytest.raises(ValueError, match="stride"):
        phase_residual(ones, ones, 0)
    with pytest.raises(ValueError, match="output"):
        phase_residual(np.ones((1, 4)), np.ones((1, 4)), 2)
    with pytest.raises(ValueError, match="output"):
        phase_residual(np.ones(4), np.ones(4), 1)
    with pytest.raises(TypeError, match="stride"):
        phase_residual(ones, ones, 2.0)
    with pytest.raises(TypeError, match="output"):
        phase_residual("abc", ones, 2)
