"""cnnbook.functional.conv: conv2d / conv2d_naive against torch.nn.functional.conv2d, output sizes, bad input."""

from __future__ import annotations

import warnings
from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook.functional import conv2d, conv2d_naive, conv_output_size, same_padding
import cnnbook.functional.conv as conv_module
from cnnbook.functional.conv import conv_flops, im2col_bytes

TOL = 1e-9
IMPLEMENTATIONS = [conv2d, conv2d_naive]


# ------------------------------------------------------------------------------------------
# Strategies
# ------------------------------------------------------------------------------------------

def int_or_pair(low: int, high: int):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def as_pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


@st.composite
def conv_configs(draw, max_batch=2, max_group_channels=3, max_kernel=4, max_extra=7, max_groups=3,
                 min_in_channels=1):
    """A random valid conv2d call: arrays (float64) and keyword arguments."""
    groups = draw(st.integers(1, max_groups))
    c_in = groups * draw(st.integers(min_in_channels, max(min_in_channels, max_group_channels)))
    c_out = groups * draw(st.integers(1, max_group_channels))
    kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    stride = draw(int_or_pair(1, 3))
    dilation = draw(int_or_pair(1, 3))
    padding = draw(st.one_of(st.sampled_from(["valid", "same"]), int_or_pair(0, 3)))
    (dh, dw) = as_pair(dilation)
    keff = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if isinstance(padding, str):
        pads = (0, 0)
    else:
        pads = as_pair(padding)
    min_h = max(1, keff[0] - 2 * pads[0]) if padding != "same" else 1
    min_w = max(1, keff[1] - 2 * pads[1]) if padding != "same" else 1
    h = draw(st.integers(min_h, min_h + max_extra))
    w = draw(st.integers(min_w, min_w + max_extra))
    n = draw(st.integers(1, max_batch))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c_in, h, w))
    weight = rng.standard_normal((c_out, c_in // groups, kh, kw))
    bias = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def torch_reference(x, weight, bias, stride, padding, dilation, groups) -> np.ndarray:
    """PyTorch's conv2d; 'same' at any stride is TensorFlow's rule, built from F.pad + a valid conv."""
    xt, wt = torch.from_numpy(x), torch.from_numpy(weight)
    bt = None if bias is None else torch.from_numpy(bias)
    if padding == "same":
        (kh, kw), (sh, sw), (dh, dw) = weight.shape[2:], as_pair(stride), as_pair(dilation)
        top, bottom = same_padding(x.shape[2], kh, sh, dh)
        left, right = same_padding(x.shape[3], kw, sw, dw)
        xt = F.pad(xt, (left, right, top, bottom))
        padding = 0
    return F.conv2d(xt, wt, bt, stride, padding, dilation, groups).numpy()


def assert_conv2d_in_blocks_matches(ref: np.ndarray, block_constant: str, block_bytes: int, config) -> None:
    """conv2d on ``config`` equals ``ref`` with one fast path's block size (``block_constant``) set to ``block_bytes``."""
    x, weight, bias, kwargs = config
    with mock.patch.object(conv_module, block_constant, block_bytes):
        ours = conv2d(x, weight, bias, **kwargs)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL)


# ------------------------------------------------------------------------------------------
# Agreement with PyTorch
# ------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=150)
@given(conv_configs())
def test_conv2d_matches_torch(config):
    x, weight, bias, kwargs = config
    ours = conv2d(x, weight, bias, **kwargs)
    ref = torch_reference(x, weight, bias, **kwargs)
    assert ours.shape == ref.shape
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL)


@settings(deadline=None, max_examples=80)
@given(conv_configs(max_batch=3, max_group_channels=24, max_groups=1, min_in_channels=16),
       st.sampled_from([1 << 8, 1 << 12, conv_module._SHIFTED_BLOCK_BYTES]))
def test_conv2d_matches_torch_with_many_input_channels(config, block_bytes):
    """From 16 input channels (groups = 1) conv2d takes its GEMM paths: shifted rows at stride 1
    (in one block of rows per sample or in many, the last one shorter), a channels-last im2col at
    larger strides."""
    x, weight, bias, kwargs = config
    ref = torch_reference(x, weight, bias, **kwargs)
    assert_conv2d_in_blocks_matches(ref, "_SHIFTED_BLOCK_BYTES", block_bytes, config)
    ours32 = conv2d(x.astype(np.float32), weight.astype(np.float32),
                    None if bias is None else bias.astype(np.float32), **kwargs)
    assert ours32.dtype == np.float32
    np.testing.assert_allclose(ours32, ref, rtol=1e-4, atol=1e-4 * np.sqrt(weight[0].size))


@settings(deadline=None, max_examples=50)
@given(conv_configs(max_batch=1, max_group_channels=2, max_kernel=3, max_extra=4))
def test_conv2d_naive_matches_torch(config):
    x, weight, bias, kwargs = config
    ours = conv2d_naive(x, weight, bias, **kwargs)
    ref = torch_reference(x, weight, bias, **kwargs)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL)


@settings(deadline=None, max_examples=60)
@given(conv_configs(max_kernel=5))
def test_same_at_stride_one_equals_torch_same(config):
    """At stride 1, padding='same' is PyTorch's own 'same' (odd extra pixel at the bottom/right)."""
    x, weight, bias, kwargs = config
    kwargs.update(stride=1, padding="same")
    with warnings.catch_warnings():
        # PyTorch warns that an even kernel with odd dilation needs an extra padded copy.
        warnings.simplefilter("ignore", UserWarning)
        ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(weight),
                       None if bias is None else torch.from_numpy(bias), **kwargs).numpy()
    ours = conv2d(x, weight, bias, **kwargs)
    assert ours.shape[2:] == x.shape[2:]
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL)


@settings(deadline=None, max_examples=100)
@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 5), st.integers(1, 3))
def test_same_padding_follows_tensorflow(size, kernel_size, stride, dilation):
    """TF SAME: output ⌈i/s⌉ for any kernel, padding split floor/ceil, never negative."""
    before, after = same_padding(size, kernel_size, stride, dilation)
    assert 0 <= before <= after <= before + 1
    k_eff = dilation * (kernel_size - 1) + 1
    out = -(-size // stride)
    assert before + after == max((out - 1) * stride + k_eff - size, 0)
    assert conv_output_size(size, kernel_size, stride, "same", dilation) == out
    x = torch.zeros(1, 1, size, 1, dtype=torch.float64)
    w = torch.zeros(1, 1, kernel_size, 1, dtype=torch.float64)
    shape = F.conv2d(F.pad(x, (0, 0, before, after)), w, stride=stride, dilation=dilation).shape
    assert shape[2] == out


@pytest.mark.parametrize("size, kernel_size, stride, expected_pads, expected_out", [
    (5, 3, 2, (1, 1), 3),
    (6, 3, 2, (0, 1), 3),
    (13, 6, 5, (1, 2), 3),
    (224, 3, 2, (0, 1), 112),
    (5, 4, 1, (1, 2), 5),
])
def test_same_padding_checkable_facts(size, kernel_size, stride, expected_pads, expected_out):
    assert same_padding(size, kernel_size, stride) == expected_pads
    assert conv_output_size(size, kernel_size, stride, "same") == expected_out


def test_valid_padding_tensorflow_fact():
    assert conv_output_size(13, 6, 5, "valid") == 2
    assert conv_output_size(13, 6, 5, 0) == 2


def test_worked_example_from_the_notes():
    image = np.array([[1, 2, 3, 4, 5], [6, 7, 8, 2, 3], [2, 5, 9, 9, 5], [4, 8, 8, 2, 1]])
    kernel = np.array([[1, 1, 1], [2, 1, 2], [3, 2, 1]])
    expected = np.array([[66, 77, 86], [84, 96, 79]], dtype=float)
    for fn in IMPLEMENTATIONS:
        np.testing.assert_array_equal(fn(image[None, None], kernel[None, None])[0, 0], expected)


# ------------------------------------------------------------------------------------------
# dtypes and input kinds
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_is_preserved(fn, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 7, 6)).astype(dtype)
    w = rng.standard_normal((6, 2, 3, 3)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    y = fn(x, w, b, stride=2, padding=1, groups=2)
    assert y.dtype == dtype
    ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), 2, 1, 1, 2).numpy()
    tol = 1e-5 if dtype == np.float32 else TOL
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_integer_input_is_accepted(fn):
    rng = np.random.default_rng(2)
    x = rng.integers(-5, 6, size=(1, 2, 6, 5))
    w = rng.integers(-3, 4, size=(3, 2, 2, 3))
    y = fn(x, w, padding=(1, 0))
    assert y.dtype == np.float64
    ref = F.conv2d(torch.from_numpy(x).double(), torch.from_numpy(w).double(), padding=(1, 0)).numpy()
    np.testing.assert_array_equal(y, ref)


def test_torch_tensors_and_lists_are_accepted():
    x = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    w = torch.randn(3, 2, 3, 3, dtype=torch.float64)
    np.testing.assert_allclose(conv2d(x, w, [0.5, 0.0, -1.0]), F.conv2d(x, w, torch.tensor([0.5, 0.0, -1.0],
                               dtype=torch.float64)).numpy(), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("padding, kernel, groups", [("same", 3, 1), (0, 3, 1), (0, 1, 1), (0, 3, 2), (0, 1, 2)])
def test_conv2d_does_not_modify_its_input(fn, padding, kernel, groups):
    """At padding 0 the window view aliases the input itself: the result must still be a new array."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((2, 2 // groups, kernel, kernel))
    x0, w0 = x.copy(), w.copy()
    y = fn(x, w, np.ones(2), padding=padding, groups=groups)
    assert not np.shares_memory(y, x) and not np.shares_memory(y, w)
    y += 1.0
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)


# ------------------------------------------------------------------------------------------
# conv_output_size: PyTorch shapes and Dumoulin & Visin's relationships
# ------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=200)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 5), st.integers(0, 4), st.integers(1, 4))
def test_conv_output_size_matches_torch_shapes(size, k, s, p, d):
    k_eff = d * (k - 1) + 1
    if k_eff > size + 2 * p:
        with pytest.raises(ValueError, match="kernel_size"):
            conv_output_size(size, k, s, p, d)
        return
    x = torch.zeros(1, 1, size, 2)
    w = torch.zeros(1, 1, k, 1)
    expected = F.conv2d(x, w, stride=(s, 1), padding=(p, 0), dilation=(d, 1)).shape[2]
    assert conv_output_size(size, k, s, p, d) == expected
    assert conv_output_size(size, k, stride=s, padding=p, dilation=d) == (size + 2 * p - d * (k - 1) - 1) // s + 1


@pytest.mark.parametrize("i, k, s, p, d, o", [
    (4, 3, 1, 0, 1, 2),
    (5, 4, 1, 2, 1, 6),
    (5, 3, 1, 1, 1, 5),
    (5, 3, 1, 2, 1, 7),
    (5, 3, 2, 0, 1, 2),
    (5, 3, 2, 1, 1, 3),
    (6, 3, 2, 1, 1, 3),
    (7, 3, 1, 0, 2, 3),
])
def test_dumoulin_visin_figure_vectors(i, k, s, p, d, o):
    assert conv_output_size(i, k, stride=s, padding=p, dilation=d) == o


@settings(deadline=None, max_examples=100)
@given(st.integers(1, 40), st.integers(1, 9), st.integers(1, 5), st.integers(0, 5), st.integers(1, 4))
def test_dumoulin_visin_relationships(i, k, s, p, d):
    """Relationships 1-7 and 15 of Dumoulin & Visin (2016), wherever their premises hold."""
    if k <= i:
        assert conv_output_size(i, k) == (i - k) + 1                                    # 1: s=1, p=0
        assert conv_output_size(i, k, stride=s) == (i - k) // s + 1                     # 5: p=0
        assert conv_output_size(i, k, stride=s) == F.max_pool2d(                        # 7: pooling
            torch.zeros(1, 1, i, 1), (k, 1), (s, 1)).shape[2]
    if k <= i + 2 * p:
        assert conv_output_size(i, k, padding=p) == (i - k) + 2 * p + 1                # 2: s=1
        assert conv_output_size(i, k, stride=s, padding=p) == (i + 2 * p - k) // s + 1  # 6: general
    if k % 2 == 1:
        assert conv_output_size(i, k, padding=k // 2) == i                              # 3: half padding
    assert conv_output_size(i, k, padding=k - 1) == i + (k - 1)                         # 4: full padding
    if k + (k - 1) * (d - 1) <= i + 2 * p:                                              # 15: dilation
        assert conv_output_size(i, k, s, p, d) == (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1


def test_output_size_needs_the_floor():
    """The notes' (x - k + 2p)/s + 1 gives 3.5 for x=6, k=3, p=1, s=2; the true size is 3."""
    assert conv_output_size(6, 3, stride=2, padding=1) == 3


def test_flops_and_im2col_bytes():
    # 64 -> 128, k=3, g=4 on a 1x64x8x8 input with padding 1: 2·64·128·16·9 FLOPs
    assert conv_flops((1, 64, 8, 8), (128, 16, 3, 3), padding=1, groups=4) == 2 * 64 * 128 * 16 * 9
    assert im2col_bytes((8, 64, 56, 56), 3, padding=1) == 8 * 64 * 9 * 56 * 56 * 4
    assert im2col_bytes((1, 3, 224, 224), 7, stride=2, padding=3, itemsize=8) == 3 * 49 * 112 * 112 * 8


# ------------------------------------------------------------------------------------------
# Bad input: right exception type, message names the argument
# ------------------------------------------------------------------------------------------

def _ok():
    return np.zeros((1, 4, 6, 6)), np.zeros((2, 4, 3, 3))


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_channel_mismatch(fn):
    x, _ = _ok()
    with pytest.raises(ValueError, match="channel") as info:
        fn(x, np.zeros((2, 3, 3, 3)))
    assert "weight" in str(info.value) and "input" in str(info.value)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_groups_must_divide_in_channels(fn):
    with pytest.raises(ValueError, match="groups"):
        fn(np.zeros((1, 6, 5, 5)), np.zeros((4, 1, 3, 3)), groups=4)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_groups_must_divide_out_channels(fn):
    with pytest.raises(ValueError, match="groups"):
        fn(np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("groups, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_groups_must_be_a_positive_int(fn, groups, error):
    x, w = _ok()
    with pytest.raises(error, match="groups"):
        fn(x, w, groups=groups)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("kwargs", [dict(), dict(dilation=3), dict(padding=(0, 1), dilation=(1, 4))])
def test_kernel_larger_than_padded_input(fn, kwargs):
    with pytest.raises(ValueError, match="kernel_size"):
        fn(np.zeros((1, 1, 2, 5)), np.zeros((1, 1, 3, 3)), **kwargs)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("name, value", [
    ("stride", 0), ("stride", (1, 0)), ("stride", -2),
    ("dilation", 0), ("dilation", (0, 1)),
    ("padding", -1), ("padding", (0, -1)),
])
def test_non_positive_stride_dilation_padding(fn, name, value):
    x, w = _ok()
    with pytest.raises(ValueError, match=name):
        fn(x, w, **{name: value})


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("name, value", [
    ("stride", 1.0), ("stride", (1, 2, 3)), ("dilation", "2"), ("padding", 1.5), ("padding", (1, 2, 3)),
])
def test_wrong_type_of_stride_dilation_padding(fn, name, value):
    x, w = _ok()
    with pytest.raises(TypeError, match=name):
        fn(x, w, **{name: value})


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("shape", [(6, 6), (1, 1, 4, 6, 6), (1, 4, 0, 6), (4, 6, 0)])
def test_input_must_be_3d_or_4d_with_non_empty_spatial_sizes(fn, shape):
    with pytest.raises(ValueError, match="input"):
        fn(np.zeros(shape), np.zeros((2, 4, 3, 3)))


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_weight_must_be_4d(fn):
    x, _ = _ok()
    with pytest.raises(ValueError, match="weight"):
        fn(x, np.zeros((4, 3, 3)))


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
@pytest.mark.parametrize("padding", ["SAME", "full", "", "causal"])
def test_unknown_padding_string(fn, padding):
    x, w = _ok()
    with pytest.raises(ValueError, match="padding"):
        fn(x, w, padding=padding)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_bias_must_match_out_channels(fn):
    x, w = _ok()
    with pytest.raises(ValueError, match="bias"):
        fn(x, w, np.zeros(3))


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_non_numeric_input(fn):
    _, w = _ok()
    with pytest.raises(TypeError, match="input"):
        fn(np.full((1, 4, 6, 6), "a"), w)


@pytest.mark.parametrize("kwargs, name, error", [
    (dict(size=0, kernel_size=3), "size", ValueError),
    (dict(size=5, kernel_size=0), "kernel_size", ValueError),
    (dict(size=5, kernel_size=3, stride=0), "stride", ValueError),
    (dict(size=5, kernel_size=3, dilation=0), "dilation", ValueError),
    (dict(size=5, kernel_size=3, padding=-1), "padding", ValueError),
    (dict(size=5, kernel_size=3, padding="full"), "padding", ValueError),
    (dict(size=5, kernel_size=9), "kernel_size", ValueError),
    (dict(size=5.0, kernel_size=3), "size", TypeError),
    (dict(size=5, kernel_size=3, stride=True), "stride", TypeError),
])
def test_conv_output_size_bad_input(kwargs, name, error):
    with pytest.raises(error, match=name):
        conv_output_size(**kwargs)


@pytest.mark.parametrize("kwargs, name, error", [
    (dict(size=0, kernel_size=3), "size", ValueError),
    (dict(size=5, kernel_size=0), "kernel_size", ValueError),
    (dict(size=5, kernel_size=3, stride=0), "stride", ValueError),
    (dict(size=5, kernel_size=3, dilation=-1), "dilation", ValueError),
    (dict(size=5, kernel_size=(3, 3)), "kernel_size", TypeError),
])
def test_same_padding_bad_input(kwargs, name, error):
    with pytest.raises(error, match=name):
        same_padding(**kwargs)


@settings(deadline=None, max_examples=80)
@given(conv_configs(max_batch=3, max_group_channels=1, max_groups=6, max_kernel=5, max_extra=20),
       st.sampled_from([1 << 8, 1 << 14, conv_module._DEPTHWISE_BLOCK_BYTES]))
def test_depthwise_matches_torch_in_any_number_of_blocks(config, block_bytes):
    """Depthwise layers (one input and one output channel per group) at stride 1 go through
    blocks of planes: one plane per block, several with a shorter last block, or all at once."""
    assert_conv2d_in_blocks_matches(torch_reference(*config[:3], **config[3]), "_DEPTHWISE_BLOCK_BYTES", block_bytes,
                                    config)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 1, 1), (2, "same", 1), ((1, 2), 2, (2, 1))])
def test_depthwise_fast_path_matches_torch(stride, padding, dilation):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 9, 8))
    w = rng.standard_normal((5, 1, 3, 2))
    b = rng.standard_normal(5)
    ref = torch_reference(x, w, b, stride, padding, dilation, 5)
    np.testing.assert_allclose(conv2d(x, w, b, stride, padding, dilation, groups=5), ref, rtol=TOL, atol=TOL)
    got32 = conv2d(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), stride, padding, dilation,
                   groups=5)
    assert got32.dtype == np.float32
    # nine products of unit-scale values, rounded in float32: errors of a few 1e-7
    np.testing.assert_allclose(got32, ref, rtol=1e-5, atol=1e-5)


@settings(deadline=None, max_examples=40)
@given(conv_configs())
def test_im2col_times_weight_is_conv2d(config):
    from cnnbook.functional.conv import im2col
    x, weight, bias, kwargs = config
    if kwargs["groups"] != 1:
        x = x[:, : weight.shape[1]]
        weight = weight[: weight.shape[0] // kwargs["groups"]]
        bias = None
        kwargs["groups"] = 1
    cols = im2col(x, weight.shape[2:], kwargs["stride"], kwargs["padding"], kwargs["dilation"])
    y = conv2d(x, weight, None, **kwargs)
    assert cols.shape == (x.shape[0], weight[0].size, y.shape[2] * y.shape[3])
    np.testing.assert_allclose((weight.reshape(weight.shape[0], -1) @ cols).reshape(y.shape), y, rtol=TOL, atol=TOL)


def test_im2col_bad_kernel_size():
    from cnnbook.functional.conv import im2col
    with pytest.raises(ValueError, match="kernel_size"):
        im2col(np.zeros((1, 1, 4, 4)), 0)
