"""cnnbook.data.context_shapes: framed squares whose class only the frame reveals."""

from __future__ import annotations

import pytest
import torch

from cnnbook.data.context_shapes import FRAME_CLASSES, make_framed_squares


def test_same_seed_same_data_and_other_seed_other_data():
    a, b, c = (make_framed_squares(6, seed=s) for s in (3, 3, 4))
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.images, c.images)


def test_shapes_dtypes_and_label_values():
    data = make_framed_squares(10, size=24, half_side=(3.0, 10.0), seed=0)
    assert len(data) == 10
    assert data.images.shape == (10, 1, 24, 24) and data.images.dtype == torch.float32
    assert data.labels.shape == (10, 24, 24) and data.labels.dtype == torch.int64
    assert data.centre_distance.shape == (10, 24, 24)
    assert set(data.labels.unique().tolist()) <= set(range(len(FRAME_CLASSES)))
    assert set(data.classes.tolist()) <= {1, 2}
    assert ((data.half_sides >= 3.0) & (data.half_sides <= 10.0)).all()


def test_label_is_the_square_given_by_centre_distance_and_half_side():
    data = make_framed_squares(20, seed=1)
    for n in range(20):
        square = data.centre_distance[n] <= data.half_sides[n]
        assert torch.equal(data.labels[n] > 0, square)
        assert (data.labels[n][square] == data.classes[n]).all()


def test_interior_is_class_independent_and_only_the_frame_differs():
    data = make_framed_squares(200, half_side=(6.0, 15.0), frame=2, noise=0.0, seed=2)
    interior_means, frame_levels = {1: [], 2: []}, {1: set(), 2: set()}
    for n in range(200):
        h, d, k = float(data.half_sides[n]), data.centre_distance[n], int(data.classes[n])
        image = data.images[n, 0]
        interior = d <= h - 2
        ring = (d <= h) & (d > h - 2)
        assert image[interior].unique().numel() == 1          # one flat grey level inside
        interior_means[k].append(float(image[interior][0]))
        frame_levels[k] |= set(image[ring].unique().tolist())
        assert (image[d > h] == 0).all()                       # no noise: background is 0
    assert frame_levels[1] == {1.0} and {round(v, 6) for v in frame_levels[2]} == {0.2}
    for k in (1, 2):                                          # same interior range in both classes
        assert 0.45 <= min(interior_means[k]) and max(interior_means[k]) <= 0.75
    assert abs(sum(interior_means[1]) / len(interior_means[1]) - sum(interior_means[2]) / len(interior_means[2])) < 0.05


def test_square_fits_inside_the_image_with_a_margin():
    data = make_framed_squares(50, size=20, half_side=(3.0, 9.0), seed=5)
    labelled = data.labels > 0
    assert not labelled[:, 0, :].any() and not labelled[:, -1, :].any()
    assert not labelled[:, :, 0].any() and not labelled[:, :, -1].any()


def test_noise_has_the_requested_spread_on_the_background():
    data = make_framed_squares(40, noise=0.3, seed=6)
    background = data.images[:, 0][data.labels == 0]
    assert abs(float(background.std()) - 0.3) < 0.02 and abs(float(background.mean())) < 0.02


@pytest.mark.parametrize("kwargs, name", [
    (dict(n=0), "n"),
    (dict(n=2, size=6), "size"),
    (dict(n=2, frame=0), "frame"),
    (dict(n=2, half_side=(2.0, 5.0)), "half_side"),        # not wider than the frame
    (dict(n=2, half_side=(3.0, 16.0)), "half_side"),       # does not fit in 32 pixels
    (dict(n=2, noise=-0.1), "noise"),
])
def test_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_framed_squares(**kwargs)
