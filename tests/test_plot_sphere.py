"""Globe views of data on the sphere (cnnbook.plot.sphere)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnbook.plot.sphere import (orthographic_directions, show_globe_equirect, show_globe_faces,  # noqa: E402
                                 show_globe_vertices)
from cnnbook.sphere.equirect import pixel_to_direction  # noqa: E402
from cnnbook.sphere.icosphere import face_centers, icosphere  # noqa: E402


def test_orthographic_view_sees_the_facing_hemisphere_with_its_centre_at_the_view_point():
    d, inside = orthographic_directions(41, lon=30.0, lat=-10.0)
    np.testing.assert_allclose(np.linalg.norm(d, axis=-1), 1.0, atol=1e-12)
    centre = d[20, 20]
    lon, lat = np.degrees(np.arctan2(centre[0], centre[2])), np.degrees(np.arcsin(centre[1]))
    assert abs(lon - 30) < 1e-9 and abs(lat + 10) < 1e-9
    forward = centre
    assert np.all(d[inside] @ forward > 0)
    assert abs(inside.mean() - np.pi / 4) < 0.02           # a disc in a square
    top = d[0, 20]                                          # the top of the view lies north of the centre
    assert np.arcsin(top[1]) > np.arcsin(centre[1])


def test_globe_of_an_equirect_image_shows_the_value_of_the_hemisphere_facing_the_viewer():
    lat = np.arcsin(pixel_to_direction(16, 32)[..., 2])      # a field that is 1 on the z > 0 half of the sphere
    image = (lat > 0).astype(float)
    fig, axes = plt.subplots(1, 2)
    front = show_globe_equirect(axes[0], image, lon=0.0, lat=0.0, size=50).get_array()
    back = show_globe_equirect(axes[1], image, lon=180.0, lat=0.0, size=50).get_array()
    assert front.compressed().mean() > 0.9 and back.compressed().mean() < 0.1
    plt.close(fig)


def test_globe_faces_draws_only_the_faces_that_face_the_viewer():
    level = 2
    values = face_centers(level)[:, 2]
    fig, ax = plt.subplots()
    collection = show_globe_faces(ax, values, level, lon=0.0, lat=0.0)
    shown = collection.get_array()
    assert len(shown) == int((face_centers(level)[:, 2] > 0).sum()) == 160
    assert np.all(shown > 0)
    plt.close(fig)


def test_globe_vertices_accepts_one_value_per_vertex():
    level = 1
    fig, ax = plt.subplots()
    show_globe_vertices(ax, icosphere(level)[0][:, 1], level)
    plt.close(fig)


@pytest.mark.parametrize("call, match", [
    (lambda ax: show_globe_faces(ax, np.zeros(7), 1), "one value per face"),
    (lambda ax: show_globe_vertices(ax, np.zeros(7), 1), "one value per vertex"),
    (lambda ax: show_globe_equirect(ax, np.zeros((2, 3, 4))), "image must be"),
    (lambda ax: show_globe_equirect(ax, np.zeros((8, 16)), lat=100.0), "lat must be"),
    (lambda ax: show_globe_equirect(ax, np.zeros((8, 16)), size=1), "size must be"),
])
def test_globe_views_reject_bad_arguments_by_name(call, match):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        call(ax)
    plt.close(fig)
