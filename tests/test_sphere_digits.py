"""Placement and sampling of the digits on the sphere (cnnbook.data.sphere_digits)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.data.sphere_digits import make_sphere_digits, placement_rotations, project_digit
from cnnbook.sphere.icosphere import face_centers


def _latitudes(rotations: np.ndarray) -> np.ndarray:
    """Latitude (degrees) of the point where each rotation puts the digit's centre (the image of +z)."""
    return np.degrees(np.arcsin(rotations[:, 1, 2]))


def test_placement_rotations_are_proper_rotations_that_keep_the_digit_upright():
    for placement, latitude in [("front", None), ("uniform", None), ("latitude", 45.0)]:
        r = placement_rotations(200, placement, latitude, seed=3)
        assert r.shape == (200, 3, 3)
        np.testing.assert_allclose(r @ r.transpose(0, 2, 1), np.broadcast_to(np.eye(3), r.shape), atol=1e-12)
        np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-12)
        up, right = r[:, :, 1], r[:, :, 0]
        assert np.all(up[:, 1] >= -1e-12)             # the digit's up has a northward component
        np.testing.assert_allclose(right[:, 1], 0.0, atol=1e-12)   # and its rows stay horizontal


def test_uniform_placement_is_uniform_in_area_not_in_latitude():
    rotations = placement_rotations(20000, "uniform", seed=0)
    lat = _latitudes(rotations)
    # area-uniform: sin(latitude) is uniform on [-1, 1]; a polar cap above 60 degrees holds 1 - sin 60 = 13.4 %
    polar = np.mean(np.abs(lat) > 60)
    assert abs(polar - (1 - np.sin(np.radians(60)))) < 0.01
    assert abs(np.mean(np.sin(np.radians(lat)))) < 0.02
    lon = np.degrees(np.arctan2(rotations[:, 0, 2], rotations[:, 2, 2]))
    assert np.histogram(lon, bins=4, range=(-180, 180))[0].min() > 4700


@pytest.mark.parametrize("latitude", [0.0, 30.0, 75.0, 90.0])
def test_latitude_placement_puts_every_centre_at_that_absolute_latitude_in_both_hemispheres(latitude):
    lat = _latitudes(placement_rotations(400, "latitude", latitude, seed=1))
    np.testing.assert_allclose(np.abs(lat), latitude, atol=1e-6)
    if latitude > 0:
        assert 0.35 < np.mean(lat > 0) < 0.65


def test_direct_sampling_reads_the_digit_at_each_face_centre():
    level, fov = 2, 1.4
    data = make_sphere_digits(3, level=level, fov=fov, placement="latitude", latitude=40.0, seed=5)
    rotations = placement_rotations(3, "latitude", 40.0, seed=5)
    from cnnbook.data.images import load_digits
    digits = load_digits()[0][:3, 0].numpy().astype(np.float64)
    from cnnbook.data.sphere_digits import _project_at
    expected = _project_at(digits, face_centers(level), fov, rotations)
    np.testing.assert_allclose(data.faces[:, 0].numpy(), expected, rtol=1e-6, atol=1e-6)
    assert (data.faces > 0).sum() > 10


def test_direct_and_equirect_sampling_agree_closely_but_not_exactly():
    direct = make_sphere_digits(30, level=3)
    resampled = make_sphere_digits(30, level=3, sampling="equirect")
    a, b = direct.faces.flatten().numpy(), resampled.faces.flatten().numpy()
    assert np.corrcoef(a, b)[0, 1] > 0.98 and not np.allclose(a, b)
    assert np.array_equal(direct.equirect.numpy(), resampled.equirect.numpy())


def test_front_placement_renders_what_project_digit_renders():
    data = make_sphere_digits(2, height=16, width=32)
    from cnnbook.data.images import load_digits
    digit = load_digits()[0][1, 0].numpy()
    np.testing.assert_allclose(data.equirect[1, 0].numpy(), project_digit(digit, 16, 32), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(placement="north"), ValueError, "placement must be one of"),
    (dict(placement="latitude"), ValueError, "latitude must be a number of degrees"),
    (dict(placement="latitude", latitude=120), ValueError, "latitude must be a number of degrees"),
    (dict(placement="uniform", latitude=10), ValueError, "latitude is only used"),
    (dict(rotate=True, placement="uniform"), ValueError, "placement must be 'front'"),
    (dict(sampling="nearest"), ValueError, "sampling must be one of"),
])
def test_make_sphere_digits_rejects_bad_placement_and_sampling_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_sphere_digits(4, **kwargs)


def test_placement_rotation_is_the_transposed_camera_basis_at_the_centre():
    from cnnbook.sphere.equirect import camera_basis
    r = placement_rotations(5, "uniform", seed=2)
    for rot in r:
        forward = rot[:, 2]
        lon, lat = np.arctan2(forward[0], forward[2]), np.arcsin(forward[1])
        np.testing.assert_allclose(rot, camera_basis(lon, lat).T, atol=1e-12)
