"""conv_transpose2d (three implementations) and conv_transpose_output_size against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnbook.functional import conv_transpose2d, conv_transpose_output_size
from cnnbook.functional.transposed import conv_transpose2d_scatter, conv_transpose2d_zero_insertion


@st.composite
def configs(draw, max_size: int = 5):
    """A random valid transposed-conv configuration and its float64 tensors."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out_g = draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    output_padding = tuple(draw(st.integers(0, max(stride[a], dilation[a]) - 1)) for a in range(2))
    h, w = draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
    k = (kh, kw)
    for a, size in enumerate((h, w)):
        if (size - 1) * stride[a] - 2 * padding[a] + dilation[a] * (k[a] - 1) + output_padding[a] + 1 < 1:
            padding = tuple(0 if b == a else padding[b] for b in range(2))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((draw(st.integers(1, 2)), c_in, h, w))
    weight = rng.standard_normal((c_in, c_out_g, kh, kw))
    bias = rng.standard_normal(c_out_g * groups) if draw(st.booleans()) else None
    kwargs = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                  dilation=dilation)
    return x, weight, bias, kwargs


def _torch(x, weight, bias, kwargs):
    return F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(weight),
                              None if bias is None else torch.from_numpy(bias), **kwargs).numpy()


@settings(deadline=None, max_examples=300)
@given(configs())
def test_conv_transpose2d_matches_pytorch(cfg):
    x, weight, bias, kwargs = cfg
    np.testing.assert_allclose(conv_transpose2d(x, weight, bias, **kwargs), _torch(x, weight, bias, kwargs),
                               rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=120)
@given(configs(max_size=4))
def test_scatter_view_matches_pytorch(cfg):
    x, weight, bias, kwargs = cfg
    np.testing.assert_allclose(conv_transpose2d_scatter(x, weight, bias, **kwargs),
                               _torch(x, weight, bias, kwargs), rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=120)
@given(configs(max_size=4))
def test_zero_insertion_view_matches_pytorch(cfg):
    x, weight, bias, kwargs = cfg
    np.testing.assert_allclose(conv_transpose2d_zero_insertion(x, weight, bias, **kwargs),
                               _torch(x, weight, bias, kwargs), rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=150)
@given(configs(), st.integers(0, 2**31 - 1))
def test_adjoint_identity(cfg, seed):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)> for the same stride, padding, dilation, groups."""
    y, weight, _, kwargs = cfg  # y lives in conv2d's output space = conv_transpose2d's input space
    stride = kwargs["stride"]
    # output_padding >= stride (possible when dilation > stride) adds rows conv2d never reads back
    op = tuple(min(a, s - 1) for a, s in zip(kwargs.pop("output_padding"), stride))
    k, p, d = weight.shape[2:], kwargs["padding"], kwargs["dilation"]
    assume(all((y.shape[2 + a] - 1) * stride[a] - 2 * p[a] + d[a] * (k[a] - 1) + op[a] >= 0 for a in range(2)))
    x_shape = _torch(y, weight, None, dict(kwargs, output_padding=op)).shape
    x = np.random.default_rng(seed).standard_normal(x_shape)
    conv_x = F.conv2d(torch.from_numpy(x), torch.from_numpy(weight), **kwargs).numpy()
    assert conv_x.shape == y.shape
    lhs = float((conv_x * y).sum())
    rhs = float((x * conv_transpose2d(y, weight, output_padding=op, **kwargs)).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


def test_adjoint_not_inverse():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, 8, 8))
    w = rng.standard_normal((1, 1, 3, 3))
    y = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=2, padding=1).numpy()
    back = conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)
    assert back.shape == x.shape
    assert np.linalg.norm(back - x) / np.linalg.norm(x) > 0.5


@settings(deadline=None, max_examples=300)
@given(st.integers(1, 12), st.integers(1, 6), st.integers(1, 4), st.integers(0, 4), st.integers(1, 3),
       st.integers(0, 3))
def test_output_size_matches_pytorch_shapes(i, k, s, p, d, a):
    a = min(a, max(s, d) - 1)
    expected = (i - 1) * s - 2 * p + d * (k - 1) + a + 1
    if expected < 1:
        with pytest.raises(ValueError, match="padding"):
            conv_transpose_output_size(i, k, s, p, a, d)
        return
    out = F.conv_transpose2d(torch.zeros(1, 1, i, 1), torch.zeros(1, 1, k, 1), stride=(s, 1), padding=(p, 0),
                             output_padding=(a, 0), dilation=(d, 1))
    assert conv_transpose_output_size(i, k, s, p, a, d) == out.shape[2]


@settings(deadline=None, max_examples=200)
@given(st.integers(1, 20), st.integers(1, 7), st.integers(1, 4), st.integers(0, 4))
def test_dumoulin_visin_relationships_8_to_14(i, k, s, p):
    """Relationships 8-14: the transpose of conv (i, k, s, p) maps o' = conv output back to i."""
    if i + 2 * p < k:
        return
    o = (i + 2 * p - k) // s + 1  # Relationship 6: the forward conv's output size i'
    # 8: conv (s=1, p=0) maps i to i' = i-k+1; its transpose gives o' = i' + (k-1)
    if i >= k:
        assert conv_transpose_output_size(i - k + 1, k) == (i - k + 1) + (k - 1) == i
    # 9: s=1, any p -> o' = i' + (k-1) - 2p
    o1 = i + 2 * p - k + 1
    if o1 >= 1 and o1 + (k - 1) - 2 * p >= 1:
        assert conv_transpose_output_size(o1, k, 1, p) == o1 + (k - 1) - 2 * p == i
    # 10: half padding (k odd, p = k//2, s=1) -> o' = i'
    if k % 2 == 1:
        assert conv_transpose_output_size(i, k, 1, k // 2) == i
    # 11: full padding (p = k-1, s=1) -> o' = i' - (k-1)
    if i - (k - 1) >= 1:
        assert conv_transpose_output_size(i, k, 1, k - 1) == i - (k - 1)
    # 12: p = 0, (i - k) multiple of s -> o' = s(i'-1) + k
    if (i - k) % s == 0 and i >= k:
        o12 = (i - k) // s + 1
        assert conv_transpose_output_size(o12, k, s) == s * (o12 - 1) + k == i
    # 13: (i + 2p - k) multiple of s -> o' = s(i'-1) + k - 2p
    if (i + 2 * p - k) % s == 0:
        assert conv_transpose_output_size(o, k, s, p) == s * (o - 1) + k - 2 * p == i
    # 14: general, a = (i + 2p - k) mod s as output_padding -> o' = s(i'-1) + a + k - 2p
    a = (i + 2 * p - k) % s
    assert conv_transpose_output_size(o, k, s, p, output_padding=a) == s * (o - 1) + a + k - 2 * p == i


def test_doubling_configurations():
    assert conv_transpose_output_size(16, 4, stride=2, padding=1) == 32
    assert conv_transpose_output_size(16, 3, stride=2, padding=1, output_padding=1) == 32


def test_checkerboard_all_ones():
    ones = np.ones((1, 1, 1, 6))
    y3 = conv_transpose2d(ones, np.ones((1, 1, 1, 3)), stride=(1, 2))[0, 0, 0]
    np.testing.assert_array_equal(y3, [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1])
    y4 = conv_transpose2d(ones, np.ones((1, 1, 1, 4)), stride=(1, 2), padding=(0, 1))[0, 0, 0]
    np.testing.assert_array_equal(y4[1:-1], 2)


@pytest.mark.parametrize("fn", [conv_transpose2d, conv_transpose2d_scatter])
def test_integer_input_gives_float_output(fn):
    out = fn(np.ones((1, 1, 2, 2), dtype=int), np.ones((1, 1, 2, 2), dtype=int), stride=2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.ones((1, 1, 4, 4)))


def test_accepts_torch_tensors():
    x, w = torch.randn(1, 2, 3, 3, dtype=torch.float64), torch.randn(2, 1, 3, 3, dtype=torch.float64)
    np.testing.assert_allclose(conv_transpose2d(x, w, stride=2), F.conv_transpose2d(x, w, stride=2).numpy(),
                               rtol=1e-12)


X, W = np.zeros((1, 2, 3, 3)), np.zeros((2, 1, 3, 3))


@pytest.mark.parametrize("fn", [conv_transpose2d, conv_transpose2d_scatter, conv_transpose2d_zero_insertion])
@pytest.mark.parametrize("kwargs, error, name", [
    (dict(output_padding=2, stride=2), ValueError, "output_padding"),
    (dict(output_padding=1), ValueError, "output_padding"),
    (dict(output_padding=-1, stride=2), ValueError, "output_padding"),
    (dict(stride=0), ValueError, "stride"),
    (dict(stride=1.5), TypeError, "stride"),
    (dict(dilation=0), ValueError, "dilation"),
    (dict(padding=-1), ValueError, "padding"),
    (dict(padding=5), ValueError, "padding"),
    (dict(groups=0), ValueError, "groups"),
    (dict(groups=3), ValueError, "groups"),
    (dict(groups=2.0), TypeError, "groups"),
    (dict(bias=np.zeros(3)), ValueError, "bias"),
    (dict(input=np.zeros((3, 3))), ValueError, "input"),
    (dict(input=[["a"]]), TypeError, "input"),
    (dict(weight=np.zeros((3, 1, 3, 3))), ValueError, "weight"),
    (dict(weight=np.zeros((2, 3, 3))), ValueError, "weight"),
])
def test_bad_input(fn, kwargs, error, name):
    args = dict(input=X, weight=W)
    args.update(kwargs)
    with pytest.raises(error, match=name):
        fn(**args)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(size=0), ValueError, "size"),
    (dict(kernel_size=0), ValueError, "kernel_size"),
    (dict(stride=0), ValueError, "stride"),
    (dict(padding=-1), ValueError, "padding"),
    (dict(output_padding=3, stride=3), ValueError, "output_padding"),
    (dict(dilation=0), ValueError, "dilation"),
    (dict(size=2.5), TypeError, "size"),
    (dict(kernel_size=True), TypeError, "kernel_size"),
])
def test_output_size_bad_input(kwargs, error, name):
    args = dict(size=4, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(error, match=name):
        conv_transpose_output_size(**args)


@pytest.mark.parametrize("factor", [2, 4])
def test_bilinear_kernel_matches_interpolate_in_the_interior(factor):
    from cnnbook.kernels import bilinear_kernel

    x = np.random.default_rng(factor).standard_normal((2, 3, 6, 5))
    w = np.broadcast_to(bilinear_kernel(factor), (3, 1, 2 * factor, 2 * factor))
    up = conv_transpose2d(x, w, stride=factor, padding=factor // 2, groups=3)
    ref = F.interpolate(torch.from_numpy(x), scale_factor=factor, mode="bilinear", align_corners=False).numpy()
    assert up.shape == ref.shape
    m = factor // 2 + 1
    np.testing.assert_allclose(up[..., m:-m, m:-m], ref[..., m:-m, m:-m], rtol=1e-12, atol=1e-12)
    assert np.abs(up[..., 0, :] - ref[..., 0, :]).max() > 1e-3


def test_bilinear_kernel_factor_2_values_and_bad_factor():
    from cnnbook.kernels import bilinear_kernel

    np.testing.assert_allclose(bilinear_kernel(2), np.outer([1, 3, 3, 1], [1, 3, 3, 1]) / 16)
    with pytest.raises(ValueError, match="factor"):
        bilinear_kernel(3)
    with pytest.raises(TypeError, match="factor"):
        bilinear_kernel(2.0)


def test_nyquist_energy():
    from cnnbook.probes import nyquist_energy

    i, j = np.indices((8, 8))
    checker = (-1.0) ** (i + j)
    stripes = (-1.0) ** j
    smooth = np.cos(2 * np.pi * j / 8)
    np.testing.assert_allclose(nyquist_energy(np.stack([checker, stripes, smooth, np.ones((8, 8))])),
                               [1.0, 1.0, 0.0, 0.0], atol=1e-12)
    with pytest.raises(ValueError, match="images"):
        nyquist_energy(np.ones((7, 8)))
