"""Equirectangular geometry: round trips, solid angles, tangent-plane sampling, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook.sphere.equirect import (
    camera_basis,
    direction_to_pixel,
    equirect_to_perspective,
    pixel_latitudes,
    pixel_solid_angle,
    pixel_to_direction,
    sample_equirect,
    tangent_plane_directions,
)

sizes = st.integers(min_value=1, max_value=40)


@settings(deadline=None, max_examples=40)
@given(height=sizes, width=sizes)
def test_pixel_centres_round_trip(height, width):
    d = pixel_to_direction(height, width)
    assert d.shape == (height, width, 3)
    np.testing.assert_allclose(np.linalg.norm(d, axis=-1), 1.0, atol=1e-14)
    u, v = direction_to_pixel(d, height, width)
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    np.testing.assert_allclose(u, cols, atol=1e-9)
    np.testing.assert_allclose(v, rows, atol=1e-9)


def test_spec_formula_at_known_pixels():
    d = pixel_to_direction(32, 64)
    # The image centre lies half a pixel away from the forward direction (0, 0, 1) in both axes.
    half = np.pi / 64
    np.testing.assert_allclose(d[16, 32], [np.cos(-half) * np.sin(half), np.sin(-half), np.cos(half) * np.cos(half)])
    # Row 0 is the top (y > 0), column 0 is at longitude just above -pi (x < 0, z < 0).
    assert d[0, 0, 1] > 0.99 and d[0, 0, 0] < 0 and d[0, 0, 2] < 0
    np.testing.assert_allclose(pixel_latitudes(4), np.radians([67.5, 22.5, -22.5, -67.5]))


@settings(deadline=None, max_examples=60)
@given(lam=st.floats(-np.pi + 1e-9, np.pi - 1e-9), phi=st.floats(-np.pi / 2 + 1e-6, np.pi / 2 - 1e-6),
       scale=st.floats(0.1, 10.0), height=sizes, width=sizes)
def test_direction_to_pixel_inverts_the_formula(lam, phi, scale, height, width):
    d = scale * np.array([np.cos(phi) * np.sin(lam), np.sin(phi), np.cos(phi) * np.cos(lam)])
    u, v = direction_to_pixel(d, height, width)
    assert u.shape == () and v.shape == ()
    assert -0.5 <= u < width - 0.5
    # Back from (u, v) with the spec's forward formula (u is wrapped, so compare longitudes mod 2 pi).
    lam_back = 2 * np.pi * (u + 0.5) / width - np.pi
    phi_back = np.pi / 2 - np.pi * (v + 0.5) / height
    assert abs(np.angle(np.exp(1j * (lam_back - lam)))) < 1e-9
    assert abs(phi_back - phi) < 1e-9


def test_direction_to_pixel_keeps_batch_shape():
    d = np.random.default_rng(0).normal(size=(2, 5, 3))
    u, v = direction_to_pixel(d, 8, 16)
    assert u.shape == (2, 5) and v.shape == (2, 5)


@settings(deadline=None, max_examples=40)
@given(height=sizes, width=sizes)
def test_solid_angles_sum_to_four_pi(height, width):
    omega = pixel_solid_angle(height, width)
    assert omega.shape == (height, width)
    assert np.all(omega > 0)
    np.testing.assert_allclose(omega.sum(), 4 * np.pi, rtol=1e-13)
    np.testing.assert_array_equal(omega, omega[::-1])  # symmetric about the equator
    assert np.all(omega == omega[:, :1])  # depends only on the row


def test_cosine_approximation_error_at_64x32():
    omega = pixel_solid_angle(32, 64)[:, 0]
    approx = 2 * np.pi**2 / (64 * 32) * np.cos(pixel_latitudes(32))
    rel = np.abs(approx - omega) / omega
    assert 3e-4 < rel.max() < 5e-4


def test_sample_equirect_hits_pixel_centres_and_wraps():
    rng = np.random.default_rng(1)
    image = rng.random((6, 10, 3))
    rows, cols = np.meshgrid(np.arange(6), np.arange(10), indexing="ij")
    np.testing.assert_allclose(sample_equirect(image, cols, rows), image)
    # Halfway between the last and the first column is their mean (longitude wraps).
    np.testing.assert_allclose(sample_equirect(image[..., 0], np.array([9.5]), np.array([2.0])),
                               [(image[2, 9, 0] + image[2, 0, 0]) / 2])
    # Rows clamp.
    np.testing.assert_allclose(sample_equirect(image[..., 0], np.array([3.0]), np.array([-0.4])), [image[0, 3, 0]])


@settings(deadline=None, max_examples=30)
@given(yaw=st.floats(-np.pi, np.pi), pitch=st.floats(-np.pi / 2, np.pi / 2))
def test_camera_basis_is_orthonormal_and_right_handed_on_screen(yaw, pitch):
    basis = camera_basis(yaw, pitch)
    np.testing.assert_allclose(basis @ basis.T, np.eye(3), atol=1e-12)
    right, up, forward = basis
    np.testing.assert_allclose(np.cross(right, up), forward, atol=1e-12)


@settings(deadline=None, max_examples=25)
@given(yaw=st.floats(-3.0, 3.0), pitch=st.floats(-1.2, 1.2), fov=st.floats(0.2, 2.0))
def test_perspective_of_direction_image_recovers_rays(yaw, pitch, fov):
    # An equirectangular image that stores each pixel's own direction; the perspective crop must
    # then show (approximately, up to bilinear error) the camera's ray directions.
    image = pixel_to_direction(64, 128)
    crop = equirect_to_perspective(image, yaw, pitch, fov, (5, 7))
    rays = tangent_plane_directions(yaw, pitch, fov, (5, 7))
    assert crop.shape == (5, 7, 3)
    assert np.abs(crop - rays).max() < 0.05


def test_perspective_centre_pixel_looks_at_yaw_and_pitch():
    rays = tangent_plane_directions(0.7, -0.3, 1.0, 5)
    u, v = direction_to_pixel(rays[2, 2], 32, 64)
    assert abs(u - ((0.7 + np.pi) * 64 / (2 * np.pi) - 0.5)) < 1e-9
    assert abs(v - ((np.pi / 2 + 0.3) * 32 / np.pi - 0.5)) < 1e-9
    # Increasing column means increasing longitude, increasing row means decreasing latitude.
    u_r, _ = direction_to_pixel(rays[2, 3], 32, 64)
    _, v_d = direction_to_pixel(rays[3, 2], 32, 64)
    assert u_r > u and v_d > v


@pytest.mark.parametrize("call, err, name", [
    (lambda: pixel_to_direction(0, 4), ValueError, "height"),
    (lambda: pixel_to_direction(4, 2.5), TypeError, "width"),
    (lambda: pixel_to_direction(True, 4), TypeError, "height"),
    (lambda: pixel_solid_angle(4, -1), ValueError, "width"),
    (lambda: direction_to_pixel(np.zeros((2, 3)), 4, 8), ValueError, "d "),
    (lambda: direction_to_pixel(np.ones((2, 2)), 4, 8), ValueError, "d "),
    (lambda: direction_to_pixel("abc", 4, 8), TypeError, "d "),
    (lambda: equirect_to_perspective(np.ones((4, 8)), 0.0, 0.0, 4.0, 3), ValueError, "fov"),
    (lambda: equirect_to_perspective(np.ones((4, 8)), "a", 0.0, 1.0, 3), TypeError, "yaw"),
    (lambda: equirect_to_perspective(np.ones((4, 8)), 0.0, np.nan, 1.0, 3), ValueError, "pitch"),
    (lambda: equirect_to_perspective(np.ones((4, 8)), 0.0, 0.0, 1.0, 0), ValueError, "size"),
    (lambda: equirect_to_perspective(np.ones(4), 0.0, 0.0, 1.0, 3), ValueError, "image"),
    (lambda: sample_equirect(np.ones((4, 8)), np.zeros(3), np.zeros(2)), ValueError, "u and v"),
])
def test_bad_input_names_the_argument(call, err, name):
    with pytest.raises(err, match=name):
        call()
