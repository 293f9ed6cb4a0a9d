"""Procedural equirectangular rendering: shapes, conventions, rotations, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook.sphere import pixel_to_direction, render_equirect
from cnnbook.sphere.render import SCENES, rotation_matrix


def _identity_scene(d):
    return 0.5 + 0.5 * d  # colour = direction, so rendered images can be compared with geometry


@pytest.mark.parametrize("scene", sorted(SCENES))
def test_scenes_render_valid_images(scene):
    image = render_equirect(scene, 16, 32)
    assert image.shape == (16, 32, 3) and image.dtype == np.float64
    assert image.min() >= 0 and image.max() <= 1
    assert image.std() > 0.05  # not blank


def test_pixel_centres_follow_the_book_convention():
    image = render_equirect(_identity_scene, 6, 12, supersample=1)
    np.testing.assert_allclose(image, 0.5 + 0.5 * pixel_to_direction(6, 12), atol=1e-12)


@settings(deadline=None, max_examples=20)
@given(angles=st.tuples(*[st.floats(-np.pi, np.pi)] * 3))
def test_rotation_shows_the_scene_at_rotated_directions(angles):
    rot = rotation_matrix("z", angles[0]) @ rotation_matrix("x", angles[1]) @ rotation_matrix("y", angles[2])
    image = render_equirect(_identity_scene, 5, 10, rotation=rot, supersample=1)
    d = pixel_to_direction(5, 10)
    np.testing.assert_allclose(image, 0.5 + 0.5 * d @ rot, atol=1e-12)  # colour of R^T d


def test_caps_appear_where_rotation_sends_them():
    # The +z cap (blue) is in front (image centre); a quarter turn about y sends it to +x (u = 3W/4).
    plain = render_equirect("caps", 32, 64)
    assert np.allclose(plain[15:17, 31:33], [0.15, 0.3, 0.85])
    turned = render_equirect("caps", 32, 64, rotation=rotation_matrix("y", np.pi / 2))
    assert np.allclose(turned[15:17, 47:49], [0.15, 0.3, 0.85])


@pytest.mark.parametrize("k", [1, 5, 16])
def test_rotation_about_the_vertical_axis_is_a_column_roll(k):
    width = 32
    rot = rotation_matrix("y", 2 * np.pi * k / width)
    image = render_equirect(_identity_scene, 8, width, rotation=rot)
    np.testing.assert_allclose(image, np.roll(render_equirect(_identity_scene, 8, width), k, axis=1), atol=1e-12)


@pytest.mark.parametrize("call, err, name", [
    (lambda: render_equirect("sky", 4, 8), ValueError, "scene"),
    (lambda: render_equirect(3, 4, 8), TypeError, "scene"),
    (lambda: render_equirect("caps", 0, 8), ValueError, "height"),
    (lambda: render_equirect("caps", 4, 8, rotation=np.ones((3, 3))), ValueError, "rotation"),
    (lambda: render_equirect("caps", 4, 8, rotation=np.eye(2)), ValueError, "rotation"),
    (lambda: render_equirect("caps", 4, 8, supersample=0), ValueError, "supersample"),
    (lambda: render_equirect(lambda d: d[..., :2], 4, 8), ValueError, "scene"),
    (lambda: rotation_matrix("w", 1.0), ValueError, "axis"),
])
def test_bad_input_names_the_argument(call, err, name):
    with pytest.raises(err, match=name):
        call()


def test_random_rotation_is_a_proper_rotation_and_seeded():
    import numpy as np

    from cnnbook.sphere.render import random_rotation

    r = random_rotation(np.random.default_rng(3))
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(r), 1.0)
    np.testing.assert_array_equal(r, random_rotation(np.random.default_rng(3)))
    with pytest.raises(TypeError, match="rng"):
        random_rotation(3)
