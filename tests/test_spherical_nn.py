"""Spherical layers: circular padding/convolution, CoordConv, SphConv and the tangent-plane kernels."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from cnnbook.nn import CircularConv2d, CircularPad2d, CoordConv2d, SphConv2d
from cnnbook.nn.spherical import LatitudeChannel, circular_pad2d, coord_channels
from cnnbook.sphere.kernels import kernel_tap_offsets, sphconv_kernel_sizes, tangent_plane_conv

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")


def _x(n, c, h, w, seed=0):
    return torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --- circular padding -------------------------------------------------------------------------------

@settings(deadline=None, max_examples=40)
@given(h=st.integers(1, 6), half_w=st.integers(1, 5), data=st.data())
def test_pole_padding_reads_row_r_rolled_by_half_the_width(h, half_w, data):
    w = 2 * half_w
    top, bottom = data.draw(st.integers(0, h)), data.draw(st.integers(0, h))
    left, right = data.draw(st.integers(0, w)), data.draw(st.integers(0, w))
    x = _x(2, 3, h, w, h * 100 + w)
    got = CircularPad2d((left, right, top, bottom), vertical="pole")(x)
    assert got.shape == (2, 3, h + top + bottom, w + left + right)
    inner = got[..., left: left + w]
    for r in range(top):
        torch.testing.assert_close(inner[..., top - 1 - r, :], torch.roll(x[..., r, :], w // 2, -1))
    for r in range(bottom):
        torch.testing.assert_close(inner[..., top + h + r, :], torch.roll(x[..., h - 1 - r, :], w // 2, -1))
    torch.testing.assert_close(got, _pole_padded_reference_lr(x, top, bottom, left, right))


def _pole_padded_reference_lr(x, top, bottom, left, right):
    h, w = x.shape[-2:]
    rows = [(-1 - i, w // 2) if i < 0 else (2 * h - 1 - i, w // 2) if i >= h else (i, 0) for i in range(-top, h + bottom)]
    cols = torch.arange(-left, w + right)
    index_r = torch.tensor([r for r, _ in rows])[:, None].expand(-1, len(cols))
    index_c = (cols[None, :] + torch.tensor([s for _, s in rows])[:, None]) % w
    return x[..., index_r, index_c]


def test_the_pixel_beyond_the_pole_looks_where_the_padding_reads():
    """Continue the latitude formula past the north pole: that direction is row r, column u + W/2."""
    h, w = 8, 16
    for r in range(3):
        for u in range(w):
            lam = 2 * np.pi * (u + 0.5) / w - np.pi
            phi = np.pi / 2 + np.pi * (r + 0.5) / h          # padded row -1-r, beyond the pole
            beyond = np.array([np.cos(phi) * np.sin(lam), np.sin(phi), np.cos(phi) * np.cos(lam)])
            lam2 = 2 * np.pi * ((u + w // 2) % w + 0.5) / w - np.pi
            phi2 = np.pi / 2 - np.pi * (r + 0.5) / h          # row r
            there = np.array([np.cos(phi2) * np.sin(lam2), np.sin(phi2), np.cos(phi2) * np.cos(lam2)])
            np.testing.assert_allclose(beyond, there, atol=1e-12)


@settings(deadline=None, max_examples=40)
@given(h=st.integers(1, 6), w=st.integers(1, 7), data=st.data(), vertical=st.sampled_from(["zeros", "replicate"]))
def test_circular_pad_matches_torch_pad_on_each_axis(h, w, data, vertical):
    left, right = data.draw(st.integers(0, w)), data.draw(st.integers(0, w))
    top, bottom = data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))
    x = _x(2, 3, h, w)
    got = CircularPad2d((left, right, top, bottom), vertical=vertical)(x)
    want = F.pad(x, (left, right, 0, 0), mode="circular")
    want = F.pad(want, (0, 0, top, bottom), mode="constant" if vertical == "zeros" else "replicate")
    torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_circular_pad_wraps_columns():
    x = torch.arange(6.0).reshape(1, 1, 1, 6)
    assert CircularPad2d((2, 1, 0, 0))(x).flatten().tolist() == [4, 5, 0, 1, 2, 3, 4, 5, 0]


# --- circular convolution ------------------------------------------------------------------------------

conv_configs = st.fixed_dictionaries({
    "k": st.tuples(st.integers(1, 4), st.integers(1, 4)),
    "s": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "d": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "g": st.sampled_from([1, 2]),
    "p": st.tuples(st.integers(0, 2), st.integers(0, 3)),
    "bias": st.booleans(),
    "mode": st.sampled_from(["zeros", "replicate"]),
})


@settings(deadline=None, max_examples=60)
@given(cfg=conv_configs, h=st.integers(6, 10), w=st.integers(6, 10))
def test_circular_conv_equals_conv_of_wrapped_input(cfg, h, w):
    for size, p, k, d in zip((h, w), cfg["p"], cfg["k"], cfg["d"]):
        assume(size + 2 * p >= d * (k - 1) + 1)  # otherwise both layers rightly refuse the input
    layer = CircularConv2d(4, 2 * cfg["g"], cfg["k"], stride=cfg["s"], padding=cfg["p"], dilation=cfg["d"],
                           groups=cfg["g"], bias=cfg["bias"], padding_mode=cfg["mode"]).double()
    x = _x(2, 4, h, w)
    ph, pw = cfg["p"]
    xp = F.pad(x, (pw, pw, 0, 0), mode="circular")
    xp = F.pad(xp, (0, 0, ph, ph), mode="constant" if cfg["mode"] == "zeros" else "replicate")
    want = F.conv2d(xp, layer.weight, layer.bias, cfg["s"], 0, cfg["d"], cfg["g"])
    torch.testing.assert_close(layer(x), want, rtol=1e-12, atol=1e-12)
    if ph == 0:  # with no vertical padding PyTorch's own circular mode (which wraps both axes) agrees
        ref = nn.Conv2d(4, 2 * cfg["g"], cfg["k"], stride=cfg["s"], padding=cfg["p"], dilation=cfg["d"],
                        groups=cfg["g"], bias=cfg["bias"], padding_mode="circular").double()
        ref.load_state_dict(layer.state_dict())
        torch.testing.assert_close(layer(x), ref(x), rtol=1e-12, atol=1e-12)


@settings(deadline=None, max_examples=20)
@given(k=st.tuples(st.integers(1, 4), st.integers(1, 4)), d=st.integers(1, 2))
def test_circular_conv_same_padding_keeps_size(k, d):
    layer = CircularConv2d(2, 3, k, padding="same", dilation=d).double()
    x = _x(1, 2, 9, 11)
    assert layer(x).shape == (1, 3, 9, 11)
    zero = nn.Conv2d(2, 3, k, padding="same", dilation=d).double()
    zero.load_state_dict(layer.state_dict())
    # Away from the seam the two agree; the circular one differs only in the wrapped columns.
    reach = d * (max(k[1] - 1, 0))
    torch.testing.assert_close(layer(x)[..., reach:11 - reach], zero(x)[..., reach:11 - reach])


def test_parameter_count_and_weight_transfer_match_conv2d():
    plain = nn.Conv2d(3, 8, 3, padding=1)
    circ = CircularConv2d(3, 8, 3, padding=1)
    assert sum(p.numel() for p in circ.parameters()) == sum(p.numel() for p in plain.parameters()) == 224
    circ.load_state_dict(plain.state_dict())


def _net(layer_cls, seed=0, **kw):
    torch.manual_seed(seed)
    return nn.Sequential(layer_cls(2, 4, 3, padding=1, **kw), nn.ReLU(), layer_cls(4, 4, 5, padding=2, **kw),
                         nn.Tanh(), layer_cls(4, 1, 3, padding=1, **kw)).double()


@settings(deadline=None, max_examples=25)
@given(shift=st.integers(-20, 20), seed=st.integers(0, 1000))
def test_circular_network_is_equivariant_to_horizontal_rolls(shift, seed):
    net = _net(CircularConv2d, seed)
    x = _x(2, 2, 8, 12, seed)
    torch.testing.assert_close(net(torch.roll(x, shift, dims=3)), torch.roll(net(x), shift, dims=3),
                               rtol=1e-12, atol=1e-12)


def test_circular_network_is_not_equivariant_to_vertical_rolls():
    net = _net(CircularConv2d)
    x = _x(2, 2, 8, 12)
    gap = (net(torch.roll(x, 3, dims=2)) - torch.roll(net(x), 3, dims=2)).abs().max()
    assert gap > 1e-2


def test_zero_padded_network_breaks_at_the_seam_only():
    net = _net(nn.Conv2d)
    x = _x(2, 2, 8, 24)
    shift = 12
    gap = (net(torch.roll(x, shift, dims=3)) - torch.roll(net(x), shift, dims=3)).abs().amax(dim=(0, 1, 2))
    # The receptive field is 9 wide (radius 1 + 2 + 1 = 4): columns within 4 of either seam differ ...
    near = [c for c in range(24) if min(c % 12, 12 - c % 12) <= 4]
    far = [c for c in range(24) if c not in near]
    assert gap[near].max() > 1e-2
    # ... and every other column is exactly equivariant, as for the circular net.
    assert gap[far].max() < 1e-12


@settings(deadline=None, max_examples=15)
@given(shift=st.integers(0, 8))
def test_stride_two_circular_net_is_equivariant_to_even_rolls(shift):
    torch.manual_seed(shift)
    net = nn.Sequential(CircularConv2d(1, 3, 3, padding=1), nn.ReLU(), CircularConv2d(3, 2, 3, stride=2, padding=1)).double()
    x = _x(1, 1, 8, 16, shift)
    torch.testing.assert_close(net(torch.roll(x, 2 * shift, dims=3)), torch.roll(net(x), shift, dims=3),
                               rtol=1e-12, atol=1e-12)


# --- CoordConv ---------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=30)
@given(h=st.integers(1, 9), w=st.integers(1, 9), with_r=st.booleans())
def test_coord_channels_are_normalised_per_axis(h, w, with_r):
    c = coord_channels(h, w, with_r, dtype=torch.float64)
    assert c.shape == (3 if with_r else 2, h, w)
    rows = np.linspace(-1, 1, h) if h > 1 else np.zeros(1)
    cols = np.linspace(-1, 1, w) if w > 1 else np.zeros(1)
    np.testing.assert_allclose(c[0].numpy(), np.repeat(rows[:, None], w, 1), atol=1e-12)
    np.testing.assert_allclose(c[1].numpy(), np.repeat(cols[None, :], h, 0), atol=1e-12)
    if with_r:
        np.testing.assert_allclose(c[2].numpy(), np.hypot(c[0].numpy(), c[1].numpy()), atol=1e-12)


@pytest.mark.parametrize("with_r, extra", [(False, 2), (True, 3)])
def test_coordconv_shapes_and_parameter_count(with_r, extra):
    layer = CoordConv2d(3, 5, 3, with_r=with_r, padding=1, stride=2).double()
    ref = nn.Conv2d(3 + extra, 5, 3, padding=1, stride=2)
    assert sum(p.numel() for p in layer.parameters()) == sum(p.numel() for p in ref.parameters()) == 5 * (3 + extra) * 9 + 5
    x = _x(2, 3, 7, 12)
    y = layer(x)
    assert y.shape == (2, 5, 4, 6)
    coords = coord_channels(7, 12, with_r, dtype=torch.float64).expand(2, -1, -1, -1)
    want = F.conv2d(torch.cat([x, coords], 1), layer.conv.weight, layer.conv.bias, stride=2, padding=1)
    torch.testing.assert_close(y, want, rtol=1e-12, atol=1e-12)


def test_coordconv_sees_position():
    # A 1x1 CoordConv with zero input weights outputs its column coordinate: a plain conv cannot.
    layer = CoordConv2d(1, 1, 1, bias=False).double()
    with torch.no_grad():
        layer.conv.weight.zero_()
        layer.conv.weight[0, 2] = 1.0
    y = layer(torch.zeros(1, 1, 4, 5, dtype=torch.float64))
    np.testing.assert_allclose(y[0, 0, 0].detach().numpy(), np.linspace(-1, 1, 5))


# --- latitude channel --------------------------------------------------------------------------------------

def _latitude_net(vertical):
    torch.manual_seed(0)
    return nn.Sequential(LatitudeChannel(), CircularPad2d((2, 2, 1, 1), vertical=vertical),
                         nn.Conv2d(2, 3, (3, 5)), nn.ReLU(), nn.Conv2d(3, 2, 1)).double()


@settings(deadline=None, max_examples=25)
@given(h=st.integers(2, 7), half_w=st.integers(2, 6), vertical=st.sampled_from(["zeros", "pole"]), data=st.data())
def test_latitude_channel_net_commutes_with_horizontal_rolls(h, half_w, vertical, data):
    # The channel is computed on the unpadded map and is constant along each row, so rolling the
    # longitude before or after the network gives the same output.
    w = 2 * half_w
    shift = data.draw(st.integers(-w, w))
    net = _latitude_net(vertical)
    x = _x(2, 1, h, w, seed=h * w)
    torch.testing.assert_close(net(torch.roll(x, shift, dims=3)), torch.roll(net(x), shift, dims=3),
                               rtol=1e-12, atol=1e-12)


def test_column_channel_breaks_roll_equivariance_that_latitude_channel_keeps():
    torch.manual_seed(0)
    with_columns = nn.Sequential(CircularPad2d((2, 2, 1, 1)), CoordConv2d(1, 3, (3, 5)), nn.ReLU(),
                                 nn.Conv2d(3, 2, 1)).double()
    x, shift = _x(1, 1, 6, 12), 3
    rolled_first = with_columns(torch.roll(x, shift, dims=3))
    assert (rolled_first - torch.roll(with_columns(x), shift, dims=3)).abs().max() > 1e-3
    net = _latitude_net("zeros")
    torch.testing.assert_close(net(torch.roll(x, shift, dims=3)), torch.roll(net(x), shift, dims=3),
                               rtol=1e-12, atol=1e-12)


# --- SphConv ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("h, w", [(8, 16), (16, 32), (32, 64), (9, 18), (64, 128)])
def test_sphconv_widths_grow_toward_the_poles(h, w):
    sizes = sphconv_kernel_sizes(h, w)
    widths = [kw for _, kw in sizes]
    top = widths[: (h + 1) // 2]
    assert all(a >= b for a, b in zip(top, top[1:])), widths  # non-increasing toward the equator
    assert widths == widths[::-1]
    assert widths[(h - 1) // 2] == 3  # a 3x3 kernel stays 3 wide at the equator
    assert widths[0] > 3 and all(kw % 2 == 1 and kw <= w // 2 for kw in widths)
    assert all(kh in (3, 5) for kh, _ in sizes) and sizes[(h - 1) // 2][0] == 3


def test_sphconv_widths_at_32x64():
    widths = [kw for _, kw in sphconv_kernel_sizes(32, 64)]
    assert widths[:16] == [31, 25, 13, 9, 7, 7] + [5] * 7 + [3] * 3


def _sph(h=8, w=16, seed=0, tied=False):
    torch.manual_seed(seed)
    return SphConv2d(2, 3, h, sphconv_kernel_sizes(h, w), tied=tied).double()


def _pole_padded_reference(x, pad_h, pad_w):
    """Pad by indexing: padded row i < 0 is row -1-i and padded row i >= H is row 2H-1-i, both at
    the opposite longitude (column + W/2); columns wrap. Written independently of circular_pad2d."""
    h, w = x.shape[-2:]
    rows, shift = [], []
    for i in range(-pad_h, h + pad_h):
        if i < 0:
            rows.append(-1 - i), shift.append(w // 2)
        elif i >= h:
            rows.append(2 * h - 1 - i), shift.append(w // 2)
        else:
            rows.append(i), shift.append(0)
    cols = torch.arange(-pad_w, w + pad_w)
    index_r = torch.tensor(rows)[:, None].expand(-1, len(cols))
    index_c = (cols[None, :] + torch.tensor(shift)[:, None]) % w
    return x[..., index_r, index_c]


@pytest.mark.parametrize("tied, kernels", [(False, 8), (True, 4)])
def test_sphconv_shape_and_parameter_count(tied, kernels):
    layer = _sph(tied=tied)
    sizes = sphconv_kernel_sizes(8, 16)
    assert layer(_x(2, 2, 8, 16)).shape == (2, 3, 8, 16)
    assert len(layer.weights) == kernels
    n_weights = sum(3 * 2 * kh * kw for kh, kw in sizes[:kernels])
    assert sum(p.numel() for p in layer.parameters()) == n_weights + kernels * 3


def test_sphconv_default_is_untied_with_one_kernel_and_bias_per_row():
    layer = SphConv2d(1, 2, 32, sphconv_kernel_sizes(32, 64))
    assert not layer.tied and len(layer.weights) == 32 and layer.bias.shape == (32, 2)
    assert len(SphConv2d(1, 2, 32, sphconv_kernel_sizes(32, 64), tied=True).weights) == 16
    assert len(SphConv2d(1, 2, 5, [3] * 5, tied=True).weights) == 3   # ceil(H/2) for odd H


@pytest.mark.parametrize("tied", [False, True])
def test_sphconv_matches_a_per_row_reference_padded_over_the_pole(tied):
    layer = _sph(seed=1, tied=tied)
    x = _x(2, 2, 8, 16, 1)
    y = layer(x)
    for v, (kh, kw) in enumerate(layer.kernel_sizes):
        xp = _pole_padded_reference(x, kh // 2, kw // 2)
        bias = layer.bias[min(v, 7 - v) if tied else v]
        full = F.conv2d(xp, layer.row_kernel(v), bias)
        torch.testing.assert_close(y[:, :, v], full[:, :, v], rtol=1e-12, atol=1e-12)


@settings(deadline=None, max_examples=10)
@given(shift=st.integers(-16, 16), tied=st.booleans())
def test_sphconv_commutes_with_rolls_and_the_tied_one_with_the_equator_mirror(shift, tied):
    layer = _sph(seed=2, tied=tied)
    x = _x(1, 2, 8, 16, shift + 20)
    torch.testing.assert_close(layer(torch.roll(x, shift, 3)), torch.roll(layer(x), shift, 3), rtol=1e-12, atol=1e-12)
    if tied:
        torch.testing.assert_close(layer(x.flip(2)), layer(x).flip(2), rtol=1e-12, atol=1e-12)
    else:
        assert (layer(x.flip(2)) - layer(x).flip(2)).abs().max() > 1e-3


@pytest.mark.parametrize("tied", [False, True])
def test_sphconv_with_equator_kernel_everywhere_is_a_circular_conv_over_the_poles(tied):
    sizes = [(3, 3)] * 6
    layer = SphConv2d(1, 1, 6, sizes, tied=tied).double()
    conv = CircularConv2d(1, 1, 3, padding=(0, 1)).double()   # rows are padded over the poles below
    w = torch.tensor([[1.0, 2.0, 1.0], [0.5, -3.0, 0.25], [1.0, 2.0, 1.0]], dtype=torch.float64)  # symmetric rows
    with torch.no_grad():
        for p in layer.weights:
            p.copy_(w)
        layer.bias.fill_(0.3)
        conv.weight.copy_(w)
        conv.bias.fill_(0.3)
    x = _x(2, 1, 6, 10)
    torch.testing.assert_close(layer(x), conv(circular_pad2d(x, (0, 0, 1, 1), vertical="pole")), rtol=1e-12, atol=1e-12)


def test_untied_sphconv_fits_a_filter_whose_flip_is_its_negative_and_tied_cannot():
    sobel_t = torch.tensor([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]], dtype=torch.float64)
    assert torch.equal(sobel_t.flip(0), -sobel_t)
    untied = SphConv2d(1, 1, 6, [3] * 6, bias=False).double()
    with torch.no_grad():
        for p in untied.weights:
            p.copy_(sobel_t)
    x = _x(3, 1, 6, 10, 5)
    target = F.conv2d(circular_pad2d(x, 1, vertical="pole"), sobel_t[None, None])
    torch.testing.assert_close(untied(x), target, rtol=1e-12, atol=1e-12)
    # A tied layer commutes with the equator flip, but this target anti-commutes with it: the best a
    # tied layer can do is zero on the flip-symmetric part, so it cannot reproduce the target.
    torch.testing.assert_close(F.conv2d(circular_pad2d(x.flip(2), 1, vertical="pole"), sobel_t[None, None]),
                               -target.flip(2), rtol=1e-12, atol=1e-12)


# --- tangent-plane kernels ----------------------------------------------------------------------------------------

def test_tangent_taps_at_the_equator_are_the_neighbouring_pixels():
    du, dv = kernel_tap_offsets(32, 64)
    # Row 15 is half a pixel above the equator: taps land within 0.05 px of the 3x3 neighbourhood.
    np.testing.assert_allclose(du[15], [[-1, 0, 1]] * 3, atol=0.05)
    np.testing.assert_allclose(dv[15], [[-1] * 3, [0] * 3, [1] * 3], atol=0.05)
    assert np.abs(du[0]).max() > 10  # next to the pole the taps spread over many columns


def test_tangent_plane_conv_identity_and_roll():
    rng = np.random.default_rng(0)
    image = rng.random((2, 8, 16))
    delta = np.zeros((2, 2, 3, 3))
    delta[0, 0, 1, 1] = delta[1, 1, 1, 1] = 1.0
    np.testing.assert_allclose(tangent_plane_conv(image, delta), image, atol=1e-12)
    w = rng.normal(size=(3, 3))
    out = tangent_plane_conv(image[0], w)
    np.testing.assert_allclose(tangent_plane_conv(np.roll(image[0], 5, axis=1), w), np.roll(out, 5, axis=1), atol=1e-12)


# --- bad input -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, err, name", [
    (lambda: CircularPad2d(-1), ValueError, "padding"),
    (lambda: CircularPad2d((1, 2)), TypeError, "padding"),
    (lambda: CircularPad2d(1, vertical="circular"), ValueError, "vertical"),
    (lambda: CircularPad2d(5)(torch.zeros(1, 1, 4, 4)), ValueError, "padding"),
    (lambda: circular_pad2d(torch.zeros(4, 4), 1), ValueError, "x "),
    (lambda: CircularConv2d(1, 1, 3, padding_mode="circular"), ValueError, "padding_mode"),
    (lambda: CoordConv2d(0, 1, 3), ValueError, "in_channels"),
    (lambda: CoordConv2d(1, 1, 3, with_r=1), TypeError, "with_r"),
    (lambda: CoordConv2d(2, 1, 3)(torch.zeros(1, 3, 4, 4)), ValueError, "x "),
    (lambda: coord_channels(0, 3), ValueError, "height/width"),
    (lambda: SphConv2d(1, 1, 4, [3, 3, 3]), ValueError, "kernel_sizes"),
    (lambda: SphConv2d(1, 1, 4, [3, 5, 3, 3], tied=True), ValueError, "kernel_sizes"),
    (lambda: SphConv2d(1, 1, 4, [3] * 4, tied=1), TypeError, "tied"),
    (lambda: SphConv2d(1, 1, 4, [3] * 4)(torch.zeros(1, 1, 4, 9)), ValueError, "even width"),
    (lambda: circular_pad2d(torch.zeros(1, 1, 4, 7), (1, 1, 1, 1), vertical="pole"), ValueError, "even width"),
    (lambda: CircularPad2d((0, 0, 5, 0), vertical="pole")(torch.zeros(1, 1, 4, 8)), ValueError, "height"),
    (lambda: SphConv2d(1, 1, 2, [2, 2]), ValueError, "kernel_sizes"),
    (lambda: SphConv2d(1, 1, 2, 3), TypeError, "kernel_sizes"),
    (lambda: SphConv2d(1, 1, 0, []), ValueError, "height"),
    (lambda: SphConv2d(1, 1, 4, [3] * 4)(torch.zeros(1, 1, 5, 8)), ValueError, "x "),
    (lambda: sphconv_kernel_sizes(8, 16, kernel_size=2), ValueError, "kernel_size"),
    (lambda: sphconv_kernel_sizes(8, 16, max_width=4), ValueError, "max_width"),
    (lambda: tangent_plane_conv(np.zeros((2, 4, 8)), np.zeros((1, 1, 3, 3))), ValueError, "weight"),
])
def test_bad_input_names_the_argument(call, err, name):
    with pytest.raises(err, match=name):
        call()


# --- data for the chapter's experiments -------------------------------------------------------------------------------

def test_digit_panoramas_wrap_across_the_seam():
    from cnnbook.data.panorama import make_digit_panoramas, place_on_panorama

    digit = torch.arange(1.0, 65.0).reshape(1, 1, 8, 8)
    pano = place_on_panorama(digit, [45], [2], height=16, width=48)
    torch.testing.assert_close(torch.roll(pano, -45, dims=3)[0, 0, 2:10, :8], digit[0, 0])
    assert pano.sum() == digit.sum()
    x, y, cols = make_digit_panoramas(10, "test", seed=3)
    assert x.shape == (10, 1, 16, 48) and y.shape == (10,) and cols.min() >= 0 and cols.max() < 48


def test_not_so_clevr_sizes_match_the_paper_at_full_size():
    from cnnbook.data.coordconv import not_so_clevr, square_images

    full = not_so_clevr(64, 4, split="quadrant")
    assert len(full["train_index"]) + len(full["test_index"]) == 3136 and len(full["test_index"]) == 729
    small = not_so_clevr(16, 1, split="uniform", seed=0)
    assert len(small["train_index"]) + len(small["test_index"]) == 14 * 14
    img = square_images(small["test_ij"][:1], 16, 1)
    assert img.sum() == 9 and img[0, 0].flatten().argmax() // 16 == small["test_ij"][0, 0] - 1


def test_latitude_channel_is_sin_latitude_per_row_and_survives_a_roll_of_the_width():
    import numpy as np
    from cnnbook.nn.spherical import LatitudeChannel
    from cnnbook.sphere.equirect import pixel_latitudes

    x = torch.randn(2, 3, 6, 8)
    out = LatitudeChannel()(x)
    assert out.shape == (2, 4, 6, 8)
    torch.testing.assert_close(out[:, :3], x)
    expected = torch.tensor(np.sin(pixel_latitudes(6)), dtype=torch.float32)[:, None].expand(6, 8)
    torch.testing.assert_close(out[0, 3], expected)
    torch.testing.assert_close(LatitudeChannel()(torch.roll(x, 3, dims=-1)), torch.roll(out, 3, dims=-1))
    assert LatitudeChannel()(x[0]).shape == (4, 6, 8)
    with pytest.raises(ValueError, match="x must have shape"):
        LatitudeChannel()(torch.zeros(6, 8))
