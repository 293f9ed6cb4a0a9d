"""max_pool2d, avg_pool2d and max_unpool2d against PyTorch, plus the chapter's helpers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnbook.functional as cf
from cnnbook.functional.pooling import pool_output_size, unpool_output_size
from cnnbook.probes import linear_weights


# ----------------------------------------------------------------------------------------------
# random configurations
# ----------------------------------------------------------------------------------------------

@st.composite
def window_configs(draw, dilation: bool = True):
    """A pooling configuration PyTorch accepts, and an input that fits it."""
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilation else (1, 1)
    ceil_mode = draw(st.booleans())
    # the smallest input for which the padded input holds one window
    low = [max(1, d[a] * (k[a] - 1) + 1 - 2 * p[a]) for a in range(2)]
    h = draw(st.integers(low[0], low[0] + 9))
    w = draw(st.integers(low[1], low[1] + 9))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return (n, c, h, w), k, s, p, d, ceil_mode


def random_input(shape, seed: int, ties: bool) -> np.ndarray:
    """Float64 input; with ``ties`` the values are small integers, so windows often tie."""
    rng = np.random.default_rng(seed)
    if ties:
        return rng.integers(0, 3, shape).astype(np.float64)
    return rng.standard_normal(shape)


SEEDS = st.integers(0, 2**32 - 1)


# ----------------------------------------------------------------------------------------------
# max_pool2d
# ----------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=250)
@given(config=window_configs(), seed=SEEDS, ties=st.booleans())
def test_max_pool2d_values_and_indices_match_torch(config, seed, ties):
    shape, k, s, p, d, ceil_mode = config
    x = random_input(shape, seed, ties)
    want_values, want_indices = F.max_pool2d(torch.from_numpy(x), k, s, p, d, ceil_mode, return_indices=True)
    values, indices = cf.max_pool2d(x, k, s, p, d, ceil_mode, return_indices=True)
    np.testing.assert_array_equal(values, want_values.numpy())
    np.testing.assert_array_equal(indices, want_indices.numpy())
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(cf.max_pool2d(x, k, s, p, d, ceil_mode), values)


@settings(deadline=None, max_examples=80)
@given(config=window_configs(), seed=SEEDS)
def test_max_pool2d_nan_and_minus_inf_match_torch(config, seed):
    """NaN wins (PyTorch's CPU kernel reports the window's last NaN); all −∞ windows keep the first tap."""
    shape, k, s, p, d, ceil_mode = config
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, shape).astype(np.float64)
    x[rng.random(shape) < 0.15] = np.nan
    x[rng.random(shape) < 0.3] = -np.inf
    want_values, want_indices = F.max_pool2d(torch.from_numpy(x), k, s, p, d, ceil_mode, return_indices=True)
    values, indices = cf.max_pool2d(x, k, s, p, d, ceil_mode, return_indices=True)
    np.testing.assert_array_equal(values, want_values.numpy())
    np.testing.assert_array_equal(indices, want_indices.numpy())


def test_max_pool2d_tie_breaking_vector_from_the_issue():
    x = np.array([[1, 5, 5, 0], [5, 2, 3, 3], [0, 0, 7, 7], [0, 0, 7, 7]], dtype=np.float64)[None, None]
    values, indices = cf.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(values.ravel(), [5, 5, 0, 7])
    np.testing.assert_array_equal(indices.ravel(), [1, 2, 8, 10])


def test_max_pool2d_keeps_float32_and_accepts_tensors_and_3d_input():
    x = torch.randn(3, 9, 7)
    got = cf.max_pool2d(x, 3, 2, 1)
    assert got.dtype == np.float32 and got.shape == (3, 5, 4)
    np.testing.assert_array_equal(got, F.max_pool2d(x, 3, 2, 1).numpy())
    ints = np.arange(16).reshape(1, 1, 4, 4)
    assert cf.max_pool2d(ints, 2).dtype == np.float64


# ----------------------------------------------------------------------------------------------
# avg_pool2d
# ----------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=200)
@given(config=window_configs(dilation=False), seed=SEEDS, count_include_pad=st.booleans())
def test_avg_pool2d_matches_torch(config, seed, count_include_pad):
    shape, k, s, p, _, ceil_mode = config
    x = random_input(shape, seed, ties=False)
    want = F.avg_pool2d(torch.from_numpy(x), k, s, p, ceil_mode, count_include_pad).numpy()
    got = cf.avg_pool2d(x, k, s, p, ceil_mode, count_include_pad)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_avg_pool2d_ceil_mode_overhang_is_not_counted():
    """i=5, k=2, s=2, ceil_mode: the third window covers one real cell and one overhang cell."""
    x = np.arange(5.0).reshape(1, 1, 1, 5)
    got = cf.avg_pool2d(x, (1, 2), ceil_mode=True)
    np.testing.assert_allclose(got.ravel(), [0.5, 2.5, 4.0])


# ----------------------------------------------------------------------------------------------
# output sizes
# ----------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=100)
@given(config=window_configs())
def test_pool_output_size_matches_torch_shapes(config):
    (n, c, h, w), k, s, p, d, ceil_mode = config
    got = (pool_output_size(h, k[0], s[0], p[0], d[0], ceil_mode), pool_output_size(w, k[1], s[1], p[1], d[1], ceil_mode))
    want = F.max_pool2d(torch.zeros(1, 1, h, w), k, s, p, d, ceil_mode).shape[2:]
    assert got == tuple(want)


@pytest.mark.parametrize("size, kernel, stride, padding, floor_out, ceil_out", [
    (5, 2, 2, 0, 2, 3),    # ceil keeps the half-covered last column
    (5, 2, 2, 1, 3, 3),    # ceil would give 4, but that window would start in the right padding
    (6, 3, 2, 0, 2, 3),
    (7, 3, 2, 1, 4, 4),    # no remainder: both modes agree
])
def test_pool_output_size_ceil_mode_examples(size, kernel, stride, padding, floor_out, ceil_out):
    assert pool_output_size(size, kernel, stride, padding) == floor_out
    assert pool_output_size(size, kernel, stride, padding, ceil_mode=True) == ceil_out
    assert F.max_pool2d(torch.zeros(1, 1, 1, size), (1, kernel), (1, stride), (0, padding),
                        ceil_mode=True).shape[-1] == ceil_out


# ----------------------------------------------------------------------------------------------
# max_unpool2d
# ----------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=60)  # PyTorch's max_unpool2d takes ~25 ms a call on this CPU
@given(config=window_configs(dilation=False), seed=SEEDS, pass_size=st.booleans())
def test_max_unpool2d_matches_torch(config, seed, pass_size):
    shape, k, s, p, _, ceil_mode = config
    x = torch.from_numpy(random_input(shape, seed, ties=True))
    values, indices = F.max_pool2d(x, k, s, p, 1, ceil_mode, return_indices=True)
    default = tuple(unpool_output_size(values.shape[2 + a], k[a], s[a], p[a]) for a in range(2))
    output_size = shape[2:] if pass_size else None
    fits = all(default[a] - s[a] < shape[2 + a] < default[a] + s[a] for a in range(2))
    if pass_size and not fits:
        with pytest.raises(ValueError, match="output_size"):
            cf.max_unpool2d(values.numpy(), indices.numpy(), k, s, p, output_size=output_size)
        return
    size = shape[2:] if pass_size else default
    if int(indices.max()) >= size[0] * size[1] or min(size) < 1:
        with pytest.raises(ValueError, match="indices|output_size"):
            cf.max_unpool2d(values.numpy(), indices.numpy(), k, s, p, output_size=output_size)
        return
    want = F.max_unpool2d(values, indices, k, s, p, output_size=output_size).numpy()
    got = cf.max_unpool2d(values.numpy(), indices.numpy(), k, s, p, output_size=output_size)
    np.testing.assert_array_equal(got, want)


def test_max_unpool2d_five_by_five_needs_output_size():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    values, indices = cf.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(indices.ravel(), [6, 8, 16, 18])
    with pytest.raises(ValueError, match="output_size"):
        cf.max_unpool2d(values, indices, 2)
    got = cf.max_unpool2d(values, indices, 2, output_size=(5, 5))
    want = F.max_unpool2d(torch.from_numpy(values), torch.from_numpy(indices), 2, output_size=(5, 5))
    np.testing.assert_array_equal(got, want.numpy())
    np.testing.assert_array_equal(cf.max_unpool2d(values, indices, 2, output_size=(1, 1, 5, 5)), got)


def test_max_unpool2d_is_the_gradient_of_max_pool2d():
    """For non-overlapping windows, unpooling a gradient is backpropagation through max pooling."""
    x = torch.randn(2, 3, 8, 6, dtype=torch.float64, requires_grad=True)
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    g = torch.randn_like(values)
    (values * g).sum().backward()
    np.testing.assert_array_equal(cf.max_unpool2d(g.numpy(), indices.numpy(), 2), x.grad.numpy())


# ----------------------------------------------------------------------------------------------
# linear_weights
# ----------------------------------------------------------------------------------------------

def test_linear_weights_of_average_pooling_is_a_box():
    weights = linear_weights(lambda x: cf.avg_pool2d(x, 4), (8, 8), (1, 0))
    want = np.zeros((8, 8))
    want[4:8, 0:4] = 1 / 16
    np.testing.assert_allclose(weights, want, atol=1e-15)


def test_operator_matrix_of_a_conv_is_the_conv_matrix():
    from cnnbook.probes import conv_matrix, operator_matrix

    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3))
    m = operator_matrix(lambda x: cf.conv2d(x, w[None, None], padding=1), (1, 4, 5))
    assert m.shape == (1, 5, 5, 1, 4, 5)
    np.testing.assert_allclose(m.reshape(25, 20), conv_matrix(torch.from_numpy(w), 4, 5, padding=1).numpy(),
                               rtol=0, atol=1e-12)


def test_linear_weights_of_bilinear_quarter_is_the_central_two_by_two():
    def bilinear(x):
        return F.interpolate(torch.from_numpy(x), scale_factor=0.25, mode="bilinear", align_corners=False)

    weights = linear_weights(bilinear, (8, 8), (0, 1))
    want = np.zeros((8, 8))
    want[1:3, 5:7] = 1 / 4
    np.testing.assert_allclose(weights, want, atol=1e-15)


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------

X = np.zeros((1, 1, 4, 4))


@pytest.mark.parametrize("call, error, name", [
    (lambda: cf.max_pool2d(X, 5), ValueError, "kernel_size"),
    (lambda: cf.avg_pool2d(X, 5), ValueError, "kernel_size"),
    (lambda: cf.max_pool2d(X, 2, dilation=4), ValueError, "kernel_size"),
    (lambda: cf.max_pool2d(X, 3, padding=2), ValueError, "padding"),
    (lambda: cf.avg_pool2d(X, 2, padding=(0, 2)), ValueError, "padding"),
    (lambda: cf.max_pool2d(X, 0), ValueError, "kernel_size"),
    (lambda: cf.max_pool2d(X, 2, stride=0), ValueError, "stride"),
    (lambda: cf.max_pool2d(X, 2, padding=-1), ValueError, "padding"),
    (lambda: cf.max_pool2d(X, 2, dilation=0), ValueError, "dilation"),
    (lambda: cf.max_pool2d(X, 2.0), TypeError, "kernel_size"),
    (lambda: cf.avg_pool2d(X, (2, 2, 2)), TypeError, "kernel_size"),
    (lambda: cf.max_pool2d(np.zeros((4, 4)), 2), ValueError, "input"),
    (lambda: cf.avg_pool2d(np.zeros((1, 1, 1, 4, 4)), 2), ValueError, "input"),
    (lambda: cf.max_pool2d(np.array(["a"]), 2), TypeError, "input"),
    (lambda: cf.max_unpool2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 3), np.int64), 2), ValueError, "indices"),
    (lambda: cf.max_unpool2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), 2), TypeError, "indices"),
    (lambda: cf.max_unpool2d(np.zeros((1, 1, 2, 2)), np.full((1, 1, 2, 2), 16), 2), ValueError, "indices"),
    (lambda: cf.max_unpool2d(np.zeros((1, 1, 2, 2)), np.full((1, 1, 2, 2), -1), 2), ValueError, "indices"),
    (lambda: cf.max_unpool2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), np.int64), 2, output_size=(7, 7)),
     ValueError, "output_size"),
    (lambda: cf.max_unpool2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), np.int64), 2, output_size=(5,)),
     ValueError, "output_size"),
    (lambda: cf.max_unpool2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), np.int64), 2, output_size="5x5"),
     TypeError, "output_size"),
    (lambda: pool_output_size(5, 2.5), TypeError, "kernel_size"),
    (lambda: pool_output_size(5, 2, stride=0), ValueError, "stride"),
    (lambda: linear_weights(lambda x: x[:, 0], (4, 4), (0, 0)), ValueError, "operator"),
    (lambda: linear_weights(lambda x: x, (4, 4), (4, 0)), ValueError, "position"),
])
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()
