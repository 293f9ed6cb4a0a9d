"""cnnbook.inpaint: diffusion fill (known pixels kept, harmonic fixed point, maximum principle),
the chessboard distance to the nearest known pixel (against a brute-force minimum), bad input;
the experiment's InpaintingNet in its four versions, its loss and its error by distance."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnbook.data.strokes import make_stroke_masks
from cnnbook.inpaint import diffusion_fill, distance_to_known


def _random_holes(seed, n=2, c=1, h=9, w=8, share=0.4):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, c, h, w, generator=g) < share).double()


@settings(deadline=None, max_examples=30)
@given(st.integers(0, 2**31 - 1), st.integers(0, 50), st.sampled_from([1, 3]))
def test_diffusion_fill_keeps_known_pixels_and_stays_within_their_range(seed, iterations, channels):
    torch.manual_seed(seed)
    image = torch.rand(2, 3, 9, 8, dtype=torch.float64)
    holes = _random_holes(seed, c=channels)
    filled = diffusion_fill(image * (1 - holes), holes, iterations=iterations)
    known = (1 - holes).expand_as(image).bool()
    assert torch.equal(filled[known], image[known])
    for n in range(2):
        for ch in range(3):
            values = image[n, ch][known[n, ch]]
            if len(values):
                assert float(filled[n, ch].min()) >= float(values.min()) - 1e-12
                assert float(filled[n, ch].max()) <= float(values.max()) + 1e-12


def test_diffusion_fill_converges_to_a_harmonic_fill():
    """Inside the holes, each pixel ends up the mean of its four (edge-replicated) neighbours."""
    holes = make_stroke_masks(3, 16, width=(3.0, 5.0), seed=2).double()
    image = torch.rand(3, 1, 16, 16, dtype=torch.float64)
    filled = diffusion_fill(image * (1 - holes), holes, iterations=3000)
    padded = torch.nn.functional.pad(filled, (1, 1, 1, 1), mode="replicate")
    mean4 = (padded[:, :, :-2, 1:-1] + padded[:, :, 2:, 1:-1] + padded[:, :, 1:-1, :-2] + padded[:, :, 1:-1, 2:]) / 4
    assert float(((filled - mean4).abs() * holes).max()) < 1e-9


@pytest.mark.parametrize("slope", [(0.5, 0.0), (0.0, -0.25), (0.1, 0.3)])
def test_diffusion_fill_reproduces_a_linear_ramp(slope):
    ii, jj = np.mgrid[0:12, 0:12]
    image = torch.tensor(1 + slope[0] * ii + slope[1] * jj, dtype=torch.float64)[None, None]
    holes = torch.zeros_like(image)
    holes[..., 3:9, 2:10] = 1
    filled = diffusion_fill(image * (1 - holes), holes, iterations=2000)
    torch.testing.assert_close(filled, image, rtol=0, atol=1e-9)


def test_diffusion_fill_with_zero_iterations_fills_the_known_mean():
    image = torch.tensor([[[[1.0, 3.0], [0.0, 9.0]]]])
    holes = torch.tensor([[[[0.0, 0.0], [1.0, 1.0]]]])
    torch.testing.assert_close(diffusion_fill(image, holes, iterations=0), torch.tensor([[[[1.0, 3.0], [2.0, 2.0]]]]))


def test_diffusion_fill_of_a_constant_image_is_constant():
    holes = make_stroke_masks(2, 12, seed=5)
    filled = diffusion_fill(torch.full((2, 1, 12, 12), 0.7) * (1 - holes), holes, iterations=10)
    torch.testing.assert_close(filled, torch.full_like(filled, 0.7))


def _distance_brute_force(holes):
    n, c, h, w = holes.shape
    out = torch.full(holes.shape, float("inf"))
    for a in range(n):
        for b in range(c):
            known = [(i, j) for i in range(h) for j in range(w) if holes[a, b, i, j] == 0]
            for i in range(h):
                for j in range(w):
                    if known:
                        out[a, b, i, j] = min(max(abs(i - p), abs(j - q)) for p, q in known)
    return out


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**31 - 1), st.floats(0.0, 1.0), st.integers(1, 9), st.integers(1, 9))
def test_distance_to_known_is_the_chessboard_distance(seed, share, h, w):
    holes = _random_holes(seed, h=h, w=w, share=share).float()
    torch.testing.assert_close(distance_to_known(holes), _distance_brute_force(holes))


def test_distance_to_known_counts_partial_conv_layers_until_the_mask_fills():
    """Distance d <=> the mask of d stride-1 3×3 partial convolutions first reaches the pixel."""
    from cnnbook.nn.gated import PartialConv2d

    holes = make_stroke_masks(2, 16, width=(3.0, 5.0), seed=7)
    distance = distance_to_known(holes)
    layer = PartialConv2d(1, 1, 3, padding=1)
    valid = 1 - holes
    for d in range(1, int(distance.max()) + 1):
        _, valid = layer(torch.zeros_like(valid), valid)
        assert torch.equal(valid.bool(), distance <= d)


@pytest.mark.parametrize("call, error, name", [
    (lambda: diffusion_fill(torch.zeros(1, 8, 8), torch.zeros(1, 8, 8)), ValueError, "image"),
    (lambda: diffusion_fill(torch.zeros(1, 2, 8, 8), torch.zeros(1, 1, 8, 7)), ValueError, "holes"),
    (lambda: diffusion_fill(torch.zeros(1, 2, 8, 8), torch.full((1, 1, 8, 8), 0.5)), ValueError, "holes"),
    (lambda: diffusion_fill(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), iterations=-1), ValueError,
     "iterations"),
    (lambda: diffusion_fill(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), iterations=2.0), TypeError,
     "iterations"),
    (lambda: diffusion_fill(np.zeros((1, 1, 4, 4)), torch.zeros(1, 1, 4, 4)), TypeError, "image"),
    (lambda: distance_to_known(torch.zeros(4, 4)), ValueError, "holes"),
    (lambda: distance_to_known(torch.full((1, 1, 4, 4), 2.0)), ValueError, "holes"),
    (lambda: distance_to_known(np.zeros((1, 1, 4, 4))), TypeError, "holes"),
])
def test_bad_input(call, error, name):
    with pytest.raises(error, match=name):
        call()


# --- InpaintingNet, hole_l1, l1_in_holes, l1_by_distance ---------------------------------------------

from cnnbook.inpaint import INPAINTING_KINDS, InpaintingNet, hole_l1, l1_by_distance, l1_in_holes  # noqa: E402
from cnnbook.nn.gated import GatedConv2d, PartialConv2d  # noqa: E402


@pytest.mark.parametrize("kind", INPAINTING_KINDS)
def test_inpainting_net_maps_masked_image_and_holes_to_a_prediction_in_0_1(kind):
    torch.manual_seed(0)
    holes = make_stroke_masks(3, 16, seed=1)
    masked = torch.rand(3, 1, 16, 16) * (1 - holes)
    out = InpaintingNet(kind, 4)(masked, holes)
    assert out.shape == (3, 1, 16, 16) and bool(((out > 0) & (out < 1)).all())


@pytest.mark.parametrize("kind, layer", [("plain conv, no mask", nn.Conv2d), ("plain conv + mask", nn.Conv2d),
                                         ("partial conv", PartialConv2d), ("gated conv", GatedConv2d)])
def test_inpainting_net_uses_the_layer_of_its_kind_and_sees_the_mask_channel_only_when_told(kind, layer):
    net = InpaintingNet(kind, 3)
    convs = [m for m in net.layers if not isinstance(m, nn.Upsample)]
    assert len(convs) == 6 and all(type(m) is layer for m in convs)
    first = convs[0].conv if layer is PartialConv2d else convs[0].feature if layer is GatedConv2d else convs[0]
    assert first.in_channels == (2 if kind in ("plain conv + mask", "gated conv") else 1)


def test_inpainting_net_without_mask_cannot_tell_a_hole_from_a_black_pixel():
    torch.manual_seed(0)
    masked = torch.rand(2, 1, 8, 8)
    masked[:, :, 2:5, 2:5] = 0
    holes = torch.zeros(2, 1, 8, 8)
    holes[:, :, 2:5, 2:5] = 1
    blind, told = InpaintingNet("plain conv, no mask", 3), InpaintingNet("plain conv + mask", 3)
    with torch.no_grad():
        assert torch.equal(blind(masked, holes), blind(masked, torch.zeros_like(holes)))
        assert not torch.equal(told(masked, holes), told(masked, torch.zeros_like(holes)))


def test_gated_width_5_matches_plain_width_7_within_5_percent():
    def count(net):
        return sum(p.numel() for p in net.parameters())

    counts = [count(InpaintingNet(kind, 5 if kind == "gated conv" else 7)) for kind in INPAINTING_KINDS]
    assert max(counts) / min(counts) < 1.05


def test_inpainting_net_rejects_an_unknown_kind_and_a_bad_width():
    with pytest.raises(ValueError, match="kind"):
        InpaintingNet("gated", 4)
    with pytest.raises(ValueError, match="width"):
        InpaintingNet("gated conv", 0)


def test_hole_l1_counts_only_the_hole_pixels():
    target = torch.zeros(1, 1, 4, 4)
    holes = torch.zeros(1, 1, 4, 4)
    holes[0, 0, 0, :2] = 1

    def model(masked, holes):
        out = torch.full((1, 1, 4, 4), 0.5)
        out[0, 0, 3, 3] = 1.0                     # a wrong known pixel: not counted
        return out

    assert float(hole_l1(model, target, holes, target)) == pytest.approx(2 * 0.5 / 16)
    assert l1_in_holes(model(target, holes), target, holes) == pytest.approx(0.5)


def test_l1_by_distance_pools_the_last_ring_and_matches_a_direct_mean():
    holes = torch.zeros(1, 1, 9, 9)
    holes[0, 0, 1:8, 1:8] = 1                     # distances 1, 2, 3, 4 from the border inwards
    target = torch.zeros(1, 1, 9, 9)
    distance = distance_to_known(holes)
    prediction = distance / 10                    # error = distance / 10
    assert l1_by_distance(prediction, target, holes, [1, 2, 3]) == pytest.approx([0.1, 0.2, (8 * 0.3 + 0.4) / 9])
    assert np.isnan(l1_by_distance(prediction, target, holes, [1, 2, 3, 4, 5])[-1])   # an empty ring
    with pytest.raises(ValueError, match="rings"):
        l1_by_distance(prediction, target, holes, [2, 1])
