"""GatedConv2d: formula, parameter count, zero gate, split-channel equivalence, bad input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnbook.data.strokes import make_stroke_masks
from cnnbook.nn import GatedConv2d


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
