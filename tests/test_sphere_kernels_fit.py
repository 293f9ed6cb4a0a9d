"""Least-squares fitting of per-row (SphConv) kernels: cnnbook.sphere.kernels.fit_row_kernels."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnbook.nn as cnn
from cnnbook.sphere.kernels import apply_row_kernels, fit_row_kernels, sphconv_kernel_sizes, tangent_plane_conv

H, W = 8, 16


def _images(n, c=1, seed=0, height=H, width=W):
    return torch.randn(n, c, height, width, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def _load(layer, weights, bias):
    with torch.no_grad():
        for p, w in zip(layer.weights, weights):
            p.copy_(w)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer


def test_fitted_untied_layer_reproduces_tangent_plane_conv_on_its_images():
    x = _images(6)
    source = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])
    y = torch.tensor(np.stack([tangent_plane_conv(img[0].numpy(), source) for img in x]))[:, None]
    sizes = sphconv_kernel_sizes(H, W, slack=0.0)   # every pixel that bilinear sampling reads is inside
    weights, bias = fit_row_kernels(x, y, sizes)
    layer = _load(cnn.SphConv2d(1, 1, H, sizes).double(), weights, bias)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), y, atol=1e-10, rtol=0)


@settings(max_examples=15, deadline=None)
@given(cin=st.integers(1, 2), cout=st.integers(1, 2), seed=st.integers(0, 1000), use_bias=st.booleans())
def test_fit_recovers_a_target_that_is_itself_a_per_row_conv(cin, cout, seed, use_bias):
    rng = np.random.default_rng(seed)
    sizes = [(int(rng.choice([1, 3])), int(rng.choice([1, 3, 5]))) for _ in range(H)]
    torch.manual_seed(seed)
    truth = cnn.SphConv2d(cin, cout, H, sizes, bias=use_bias).double()
    x = _images(4, cin, seed)
    with torch.no_grad():
        y = truth(x)
    weights, bias = fit_row_kernels(x, y, sizes, bias=use_bias)
    for w, t in zip(weights, truth.weights):
        torch.testing.assert_close(w, t.detach(), atol=1e-9, rtol=0)
    if use_bias:
        torch.testing.assert_close(bias, truth.bias.detach(), atol=1e-9, rtol=0)
    else:
        assert bias is None


def test_tied_fit_recovers_a_tied_layer_and_has_half_the_kernels():
    sizes = sphconv_kernel_sizes(H, W)
    torch.manual_seed(3)
    truth = cnn.SphConv2d(1, 2, H, sizes, tied=True).double()
    x = _images(4)
    with torch.no_grad():
        y = truth(x)
    weights, bias = fit_row_kernels(x, y, sizes, tied=True)
    assert len(weights) == H // 2 and bias.shape == (H // 2, 2)
    for w, t in zip(weights, truth.weights):
        torch.testing.assert_close(w, t.detach(), atol=1e-9, rtol=0)


def test_tied_layer_cannot_fit_a_filter_whose_flip_is_its_negative_but_untied_can():
    x = _images(6, seed=1)
    sobel_t = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])   # upside down = negative
    y = torch.tensor(np.stack([tangent_plane_conv(img[0].numpy(), sobel_t) for img in x]))[:, None]
    sizes = sphconv_kernel_sizes(H, W, slack=0.0)
    power = float((y ** 2).mean())
    errors = {}
    for tied in (False, True):
        weights, bias = fit_row_kernels(x, y, sizes, tied=tied)
        errors[tied] = float(((apply_row_kernels(x, weights, bias, sizes, tied=tied) - y) ** 2).mean())
    assert errors[False] < 1e-20 * power
    assert errors[True] > 0.5 * power


def test_apply_with_pole_padding_is_the_sphconv_forward_pass():
    sizes = sphconv_kernel_sizes(H, W)
    for tied in (False, True):
        torch.manual_seed(0)
        layer = cnn.SphConv2d(2, 3, H, sizes, tied=tied).double()
        x = _images(2, 2)
        with torch.no_grad():
            expected = layer(x)
        got = apply_row_kernels(x, [w.detach() for w in layer.weights], layer.bias.detach(), sizes, tied=tied)
        torch.testing.assert_close(got, expected, atol=1e-12, rtol=0)


def test_zero_row_padding_cannot_reproduce_the_polar_rows_that_pole_padding_can():
    x = _images(6, seed=2)
    source = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    y = torch.tensor(np.stack([tangent_plane_conv(img[0].numpy(), source) for img in x]))[:, None]
    sizes = sphconv_kernel_sizes(H, W, slack=0.0)
    err = {}
    for vertical in ("pole", "zeros"):
        weights, bias = fit_row_kernels(x, y, sizes, vertical=vertical)
        pred = apply_row_kernels(x, weights, bias, sizes, vertical=vertical)
        err[vertical] = ((pred - y) ** 2).mean(dim=(0, 1, 3))      # per row
    assert err["pole"].max() < 1e-20
    polar = (y[:, :, [0, H - 1]] ** 2).mean()
    assert err["zeros"][0] > 1e-3 * polar and err["zeros"][H - 1] > 1e-3 * polar


def test_bad_arguments_are_named():
    x, y = _images(2), _images(2)
    sizes = [3] * H
    with pytest.raises(ValueError, match="kernel_sizes"):
        fit_row_kernels(x, y, sizes[:-1])
    with pytest.raises(ValueError, match="kernel_sizes"):
        fit_row_kernels(x, y, [4] * H)
    with pytest.raises(ValueError, match="vertical"):
        fit_row_kernels(x, y, sizes, vertical="replicate")
    with pytest.raises(ValueError, match="targets"):
        fit_row_kernels(x, y[:1], sizes)
    with pytest.raises(ValueError, match="images"):
        fit_row_kernels(x[0], y, sizes)
    with pytest.raises(TypeError, match="tied"):
        fit_row_kernels(x, y, sizes, tied=1)
    with pytest.raises(ValueError, match="kernel_sizes"):
        fit_row_kernels(x, y, [3] * (H - 1) + [5], tied=True)
    with pytest.raises(ValueError, match="weights"):
        apply_row_kernels(x, [torch.zeros(1, 1, 3, 3)] * (H - 1), None, sizes)
    with pytest.raises(ValueError, match="even width"):
        fit_row_kernels(_images(2, width=15), _images(2, width=15), sizes)
