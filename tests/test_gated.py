"""GatedConv2d and PartialConv2d: formulas, parameter counts, special cases, bad input; stroke masks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnbook.data.strokes import make_stroke_masks
from cnnbook.nn import GatedConv2d
from cnnbook.nn.gated import PartialConv2d


@settings(deadline=None, max_examples=30)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 2), st.integers(0, 2),
       st.integers(1, 2), st.integers(0, 2**31 - 1))
def test_formula_and_shape(c_in, c_out, k, s, p, d, seed):
    torch.manual_seed(seed)
    layer = GatedConv2d(c_in, c_out, k, stride=s, padding=p, dilation=d).double()
    x = torch.randn(2, c_in, 9, 8, dtype=torch.float64)
    conv = dict(stride=s, padding=p, dilation=d)
    expected = (F.elu(F.conv2d(x, layer.feature.weight, layer.feature.bias, **conv))
                * torch.sigmoid(F.conv2d(x, layer.gate.weight, layer.gate.bias, **conv)))
    out = layer(x)
    assert out.shape == F.conv2d(x, layer.feature.weight, **conv).shape
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c_in, c_out, k", [(1, 1, 1), (3, 8, 3), (5, 48, 3), (16, 32, 5)])
def test_parameter_count(c_in, c_out, k):
    layer = GatedConv2d(c_in, c_out, k)
    assert sum(p.numel() for p in layer.parameters()) == 2 * c_out * (c_in * k * k + 1)


@pytest.mark.parametrize("activation", [None, nn.ReLU(), torch.tanh])
def test_zero_gate_halves_the_features(activation):
    torch.manual_seed(0)
    layer = GatedConv2d(3, 4, 3, padding=1, activation=activation).double()
    with torch.no_grad():
        layer.gate.weight.zero_()
        layer.gate.bias.zero_()
    x = torch.randn(2, 3, 6, 6, dtype=torch.float64)
    phi = activation if activation is not None else F.elu
    torch.testing.assert_close(layer(x), 0.5 * phi(layer.feature(x)), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(layer.gates(x), torch.full((2, 4, 6, 6), 0.5, dtype=torch.float64))


def test_split_channel_implementation_is_equivalent():
    """The reference code's single conv with 2·C_out channels, split in half, is the same layer."""
    torch.manual_seed(1)
    single = nn.Conv2d(3, 8, 3, padding=1).double()
    layer = GatedConv2d(3, 4, 3, padding=1).double()
    with torch.no_grad():
        layer.feature.weight.copy_(single.weight[:4])
        layer.feature.bias.copy_(single.bias[:4])
        layer.gate.weight.copy_(single.weight[4:])
        layer.gate.bias.copy_(single.bias[4:])
    x = torch.randn(2, 3, 7, 7, dtype=torch.float64)
    features, gating = single(x).chunk(2, dim=1)
    torch.testing.assert_close(layer(x), F.elu(features) * torch.sigmoid(gating), rtol=1e-12, atol=1e-12)


def test_gates_lie_in_open_unit_interval():
    torch.manual_seed(0)
    gates = GatedConv2d(2, 3, 3).gates(torch.randn(4, 2, 8, 8)).detach()
    assert gates.shape == (4, 3, 6, 6)
    assert bool(((gates > 0) & (gates < 1)).all())


def test_tuple_kernel_and_padding():
    layer = GatedConv2d(2, 3, (3, 1), padding=(1, 0))
    assert layer(torch.randn(1, 2, 5, 6)).shape == (1, 3, 5, 6)
    assert sum(p.numel() for p in layer.parameters()) == 2 * 3 * (2 * 3 * 1 + 1)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(in_channels=0), ValueError, "in_channels"),
    (dict(in_channels=2.0), TypeError, "in_channels"),
    (dict(out_channels=-1), ValueError, "out_channels"),
    (dict(kernel_size=0), ValueError, "kernel_size"),
    (dict(kernel_size="3"), TypeError, "kernel_size"),
    (dict(stride=0), ValueError, "stride"),
    (dict(padding=-1), ValueError, "padding"),
    (dict(padding=1.5), TypeError, "padding"),
    (dict(dilation=(1, 0)), ValueError, "dilation"),
    (dict(activation="relu"), TypeError, "activation"),
])
def test_bad_input(kwargs, error, name):
    args = dict(in_channels=2, out_channels=3, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(error, match=name):
        GatedConv2d(**args)


def test_stroke_masks_are_seeded_binary_and_nonempty():
    a, b = make_stroke_masks(20, 32, seed=3), make_stroke_masks(20, 32, seed=3)
    assert a.shape == (20, 1, 32, 32) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.equal(a, make_stroke_masks(20, 32, seed=4))
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    assert bool((a.sum(dim=(1, 2, 3)) > 0).all())


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(n=0), ValueError, "n"),
    (dict(size=2), ValueError, "size"),
    (dict(size=8.0), TypeError, "size"),
    (dict(strokes=(3, 1)), ValueError, "strokes"),
    (dict(width=(0.0, 2.0)), ValueError, "width"),
])
def test_stroke_masks_bad_input(kwargs, error, name):
    args = dict(n=2)
    args.update(kwargs)
    with pytest.raises(error, match=name):
        make_stroke_masks(**args)


# ---------------------------------------------------------------- PartialConv2d


def _partial_by_formula(layer, x, mask):
    """x' = W^T (X ⊙ M) sum(1)/sum(M) + b where sum(M) > 0, else 0; m' = 1[sum(M) > 0], window by window."""
    c = layer.conv
    kh, kw = c.kernel_size
    (sh, sw), (ph, pw), (dh, dw) = c.stride, c.padding, c.dilation
    xp = F.pad(x * mask, (pw, pw, ph, ph))
    mp = F.pad(mask, (pw, pw, ph, ph))
    n, _, hp, wp = xp.shape
    h_out, w_out = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    out = torch.zeros(n, c.out_channels, h_out, w_out, dtype=x.dtype)
    new_mask = torch.zeros(n, c.out_channels if layer.multi_channel else 1, h_out, w_out, dtype=x.dtype)
    window = kh * kw * (c.in_channels if layer.multi_channel else 1)
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
            cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
            patch, known = xp[:, :, rows, cols], mp[:, :, rows, cols]
            total = known.sum(dim=(1, 2, 3))                                   # sum(M), one per image
            dot = torch.einsum("nchw,ochw->no", patch, c.weight)                # W^T (X ⊙ M)
            bias = c.bias if c.bias is not None else torch.zeros(c.out_channels, dtype=x.dtype)
            value = dot * (window / total.clamp(min=1e-300))[:, None] + bias
            out[:, :, i, j] = torch.where((total > 0)[:, None], value, 0.0)
            new_mask[:, :, i, j] = (total > 0).to(x.dtype)[:, None]
    return out, new_mask


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2),
       st.integers(1, 2), st.booleans(), st.booleans(), st.floats(0.0, 1.0), st.integers(0, 2**31 - 1))
def test_partial_conv_matches_its_formula(c_in, c_out, k, s, p, d, bias, multi_channel, known_share, seed):
    torch.manual_seed(seed)
    layer = PartialConv2d(c_in, c_out, k, stride=s, padding=p, dilation=d, bias=bias,
                          multi_channel=multi_channel).double()
    x = torch.randn(2, c_in, 7, 6, dtype=torch.float64)
    mask = (torch.rand(2, c_in if multi_channel else 1, 7, 6) < known_share).double()
    out, new_mask = layer(x, mask)
    expected, expected_mask = _partial_by_formula(layer, x, mask)
    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(new_mask, expected_mask, rtol=0, atol=0)


@settings(deadline=None, max_examples=30)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2),
       st.booleans(), st.integers(0, 2**31 - 1))
def test_partial_conv_with_all_ones_mask_and_no_padding_is_conv2d(c_in, c_out, k, s, d, multi_channel, seed):
    torch.manual_seed(seed)
    layer = PartialConv2d(c_in, c_out, k, stride=s, dilation=d, multi_channel=multi_channel).double()
    x = torch.randn(2, c_in, 8, 9, dtype=torch.float64)
    mask = torch.ones(2, c_in if multi_channel else 1, 8, 9, dtype=torch.float64)
    out, new_mask = layer(x, mask)
    torch.testing.assert_close(out, F.conv2d(x, layer.conv.weight, layer.conv.bias, stride=s, dilation=d),
                               rtol=1e-12, atol=1e-12)
    assert bool((new_mask == 1).all())


def test_partial_conv_rescales_the_zero_padded_border():
    """All-ones image, all-ones kernel, zero bias: 9 everywhere, corners included (zero padding gives 4 there)."""
    layer = PartialConv2d(1, 1, 3, padding=1).double()
    with torch.no_grad():
        layer.conv.weight.fill_(1.0)
        layer.conv.bias.zero_()
    ones = torch.ones(1, 1, 5, 5, dtype=torch.float64)
    out, _ = layer(ones, ones)
    torch.testing.assert_close(out, torch.full_like(out, 9.0))
    assert float(F.conv2d(ones, layer.conv.weight.detach(), padding=1)[0, 0, 0, 0]) == 4.0


def test_partial_conv_window_without_known_pixels_outputs_zero_not_bias():
    torch.manual_seed(0)
    layer = PartialConv2d(2, 3, 3, padding=1)
    with torch.no_grad():
        layer.conv.bias.fill_(5.0)
    mask = torch.ones(1, 1, 9, 9)
    mask[..., 2:7, 2:7] = 0                         # a 5×5 hole: its 3×3 centre sees no known pixel
    out, new_mask = layer(torch.randn(1, 2, 9, 9), mask)
    assert bool((out[..., 3:6, 3:6] == 0).all()) and bool((new_mask[..., 3:6, 3:6] == 0).all())
    assert int(new_mask.sum()) == 81 - 9


def test_partial_conv_ignores_values_under_the_mask():
    torch.manual_seed(0)
    layer = PartialConv2d(2, 3, 3, padding=1)
    mask = make_stroke_masks(2, 10, seed=1).sub(1).abs()            # 1 = known
    x = torch.randn(2, 2, 10, 10)
    noise = torch.randn(2, 2, 10, 10) * (1 - mask)
    torch.testing.assert_close(layer(x, mask)[0], layer(x + noise, mask)[0])


@pytest.mark.parametrize("c_in, c_out, k", [(1, 1, 1), (3, 8, 3), (16, 32, 5)])
def test_partial_conv_has_a_plain_convolutions_parameters(c_in, c_out, k):
    assert sum(p.numel() for p in PartialConv2d(c_in, c_out, k).parameters()) == c_out * (c_in * k * k + 1)


def test_partial_conv_trains_under_fit_seeds():
    from cnnbook.train import fit_seeds

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = PartialConv2d(1, 1, 3, padding=1)

        def forward(self, x, mask):
            return self.layer(x, mask)[0]

    x, mask = torch.randn(8, 1, 6, 6), torch.ones(8, 1, 6, 6)
    models, histories = fit_seeds(Net, [0, 1], (x, mask, x), lambda m, a, b, t: (m(a, b) - t).pow(2).mean(),
                                  steps=20, batch_size=4, lr=0.05)
    assert all(h[-1] < h[0] for h in histories)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(in_channels=0), ValueError, "in_channels"),
    (dict(out_channels=2.0), TypeError, "out_channels"),
    (dict(kernel_size=0), ValueError, "kernel_size"),
    (dict(padding=-1), ValueError, "padding"),
    (dict(stride=(1, 0)), ValueError, "stride"),
    (dict(bias=1), TypeError, "bias"),
    (dict(multi_channel="yes"), TypeError, "multi_channel"),
])
def test_partial_conv_bad_arguments(kwargs, error, name):
    args = dict(in_channels=2, out_channels=3, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(error, match=name):
        PartialConv2d(**args)


@pytest.mark.parametrize("multi_channel, x_shape, mask_shape, name", [
    (False, (2, 3, 6, 6), (2, 3, 6, 6), "mask"),
    (True, (2, 3, 6, 6), (2, 1, 6, 6), "mask"),
    (False, (2, 3, 6, 6), (2, 1, 5, 6), "mask"),
    (False, (3, 6, 6), (1, 6, 6), "x"),
])
def test_partial_conv_bad_shapes(multi_channel, x_shape, mask_shape, name):
    layer = PartialConv2d(3, 2, 3, multi_channel=multi_channel)
    with pytest.raises(ValueError, match=name):
        layer(torch.randn(*x_shape), torch.ones(*mask_shape))
