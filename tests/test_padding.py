"""cnnbook.functional.pad against torch.nn.functional.pad, for every mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook.functional import pad
from cnnbook.functional.padding import PAD_MODES, pad_indices


@st.composite
def padding_case(draw, mode: str):
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    if mode == "reflect":
        limits = (w - 1, w - 1, h - 1, h - 1)
    elif mode == "circular":
        limits = (w, w, h, h)
    else:
        limits = (6, 6, 6, 6)
    # constant and replicate crop with negative amounts, as PyTorch does; keep at least one cell
    lows = (-((w - 1) // 2), -((w - 1) // 2), -((h - 1) // 2), -((h - 1) // 2))
    if mode in ("reflect", "circular"):
        lows = (0, 0, 0, 0)
    amounts = tuple(draw(st.integers(lo, m)) for lo, m in zip(lows, limits))
    if mode == "constant" and draw(st.booleans()):
        amounts = amounts[:2]
    seed = draw(st.integers(0, 2**31 - 1))
    x = np.random.default_rng(seed).standard_normal((n, c, h, w))
    if draw(st.booleans()):  # unbatched (C, H, W)
        x = x[0]
    return x, amounts


@pytest.mark.parametrize("mode", PAD_MODES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_pad_matches_torch(mode, data):
    x, amounts = data.draw(padding_case(mode))
    value = data.draw(st.floats(-3, 3)) if mode == "constant" else 0.0
    got = pad(x, amounts, mode=mode, value=value)
    kwargs = {"value": value} if mode == "constant" else {}
    want = F.pad(torch.from_numpy(x), amounts, mode=mode, **kwargs).numpy()
    assert got.shape == want.shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=0)


def test_pad_accepts_tensor_and_keeps_integer_dtype():
    x = torch.arange(12).reshape(1, 1, 3, 4)
    got = pad(x, (1, 2, 2, 1), mode="replicate")
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, F.pad(x, (1, 2, 2, 1), mode="replicate").numpy())


def test_pad_indices_examples():
    assert pad_indices(4, 2, 2, "reflect").tolist() == [2, 1, 0, 1, 2, 3, 2, 1]
    assert pad_indices(4, 2, 2, "replicate").tolist() == [0, 0, 0, 1, 2, 3, 3, 3]
    assert pad_indices(4, 2, 2, "circular").tolist() == [2, 3, 0, 1, 2, 3, 0, 1]
    with pytest.raises(ValueError, match="mode"):
        pad_indices(4, 1, 1, "constant")


def test_reflect_at_input_size_raises_naming_reflect():
    x = np.zeros((1, 1, 3, 4))
    pad(x, (3, 3, 2, 2), mode="reflect")  # largest legal reflect padding
    with pytest.raises(ValueError, match="reflect"):
        pad(x, (4, 0, 0, 0), mode="reflect")
    with pytest.raises(ValueError, match="reflect"):
        pad(x, (0, 0, 0, 3), mode="reflect")


def test_circular_wrapping_more_than_once_raises():
    x = np.zeros((1, 1, 3, 4))
    assert pad(x, (4, 4, 3, 3), mode="circular").shape == (1, 1, 9, 12)
    with pytest.raises(ValueError, match="circular"):
        pad(x, (5, 0, 0, 0), mode="circular")


def test_unknown_mode_raises_naming_mode():
    with pytest.raises(ValueError, match="mode"):
        pad(np.zeros((1, 1, 3, 3)), (1, 1, 1, 1), mode="mirror")
    with pytest.raises(ValueError, match="mode"):
        pad(np.zeros((1, 1, 3, 3)), (1, 1, 1, 1), mode=None)


@pytest.mark.parametrize("bad, error", [
    ((1, 1, 1), ValueError),          # odd length
    ((1,) * 10, ValueError),          # five dimensions for a 4-D input
    ((1, -5, 0, 0), ValueError),      # crops more than the width
    ((1.0, 1, 1, 1), TypeError),      # floats
    ((True, 1, 1, 1), TypeError),     # bools are not sizes
    (2, TypeError),                   # a bare int
    ("1111", TypeError),
])
def test_bad_pad_tuple_raises_naming_pad(bad, error):
    with pytest.raises(error, match="pad"):
        pad(np.zeros((1, 1, 3, 3)), bad)


def test_short_pad_only_for_constant_mode():
    x = np.ones((1, 1, 2, 2))
    assert pad(x, (1, 2)).shape == (1, 1, 2, 5)
    with pytest.raises(ValueError, match="pad"):
        pad(x, (1, 1), mode="replicate")


def test_value_only_with_constant_mode():
    with pytest.raises(ValueError, match="value"):
        pad(np.ones((1, 1, 3, 3)), (1, 1, 1, 1), mode="reflect", value=1.0)
    with pytest.raises(TypeError, match="value"):
        pad(np.ones((1, 1, 3, 3)), (1, 1, 1, 1), value="1")


def test_input_must_have_the_padded_dimensions_and_be_numeric():
    with pytest.raises(ValueError, match="input"):
        pad(np.ones((3, 3)), (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="input"):
        pad(np.ones((3, 3)), (1, 1, 1, 1), mode="reflect")
    with pytest.raises(TypeError, match="input"):
        pad([["a"]], (1, 1, 1, 1))
