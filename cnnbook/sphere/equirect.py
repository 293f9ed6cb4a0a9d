"""Equirectangular geometry: pixels <-> directions, pixel solid angles, tangent-plane sampling.

Conventions (the book's, see ``specs.md`` 8f). An equirectangular image has H rows and W columns;
column u and row v are counted from the top-left corner and pixel *centres* sit at half-integers:

- longitude  lambda = 2 pi (u + 0.5) / W - pi        (from -pi at the left edge to +pi at the right edge)
- latitude   phi    = pi / 2 - pi (v + 0.5) / H      (from +pi/2 at the top edge to -pi/2 at the bottom)
- direction  d      = (cos phi sin lambda, sin phi, cos phi cos lambda)   (y points up, z forward)

All angles are in radians.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from cnnbook.functional._args import as_array

from cnnbook._validation import positive_int

__all__ = [
    "pixel_to_direction",
    "direction_to_pixel",
    "pixel_solid_angle",
    "pixel_latitudes",
    "sample_equirect",
    "camera_basis",
    "tangent_plane_directions",
    "equirect_to_perspective",
]


def _check_angle(value: Any, name: str) -> float:
    """Return ``value`` as a finite float, or raise naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number (radians), got {type(value).__name__} {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def pixel_latitudes(height: int) -> np.ndarray:
    """Latitude phi of each row's pixel centre, shape (H,): phi_v = pi/2 - pi (v + 0.5) / H."""
    height = positive_int(height, "height")
    return np.pi / 2 - np.pi * (np.arange(height) + 0.5) / height


def pixel_to_direction(height: int, width: int) -> np.ndarray:
    """Unit direction of every pixel centre of an H x W equirectangular image.

    Returns an array of shape (H, W, 3), float64, with
    ``d[v, u] = (cos phi sin lambda, sin phi, cos phi cos lambda)``,
    lambda = 2 pi (u + 0.5)/W - pi and phi = pi/2 - pi (v + 0.5)/H (y up, z forward).
    """
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    lam = 2 * np.pi * (np.arange(width) + 0.5) / width - np.pi
    phi = pixel_latitudes(height)
    lam, phi = np.meshgrid(lam, phi)  # both (H, W)
    return np.stack([np.cos(phi) * np.sin(lam), np.sin(phi), np.cos(phi) * np.cos(lam)], axis=-1)


def direction_to_pixel(d: Any, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`pixel_to_direction`: continuous pixel coordinates of directions.

    ``d`` has shape (..., 3); it need not be unit length (it is normalised), but must be non-zero.
    Returns ``(u, v)``, two float64 arrays of shape ``d.shape[:-1]``, with

    - lambda = atan2(d_x, d_z), phi = asin(d_y / |d|);
    - u = (lambda + pi) W / (2 pi) - 0.5, wrapped into [-0.5, W - 0.5);
    - v = (pi/2 - phi) H / pi - 0.5, in [-0.5, H - 0.5].

    Integer (u, v) are pixel centres, so ``direction_to_pixel(pixel_to_direction(H, W), H, W)``
    returns the column and row indices.
    """
    d = as_array(d, "d").astype(np.float64)
    if d.ndim < 1 or d.shape[-1] != 3:
        raise ValueError(f"d must have shape (..., 3) (x, y, z directions), got shape {tuple(d.shape)}")
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    norm = np.linalg.norm(d, axis=-1)
    if np.any(norm == 0) or not np.all(np.isfinite(norm)):
        raise ValueError("d must hold finite, non-zero direction vectors")
    lam = np.arctan2(d[..., 0], d[..., 2])
    phi = np.arcsin(np.clip(d[..., 1] / norm, -1.0, 1.0))
    u = np.mod((lam + np.pi) * width / (2 * np.pi), width) - 0.5
    v = (np.pi / 2 - phi) * height / np.pi - 0.5
    return u, v


def pixel_solid_angle(height: int, width: int) -> np.ndarray:
    """Solid angle (steradians) of every pixel, shape (H, W); it depends only on the row.

    A pixel in row v spans longitudes of width 2 pi / W and latitudes between
    phi_top = pi/2 - pi v / H and phi_bot = pi/2 - pi (v + 1) / H, so

        Omega_v = (2 pi / W) (sin phi_top - sin phi_bot)  ~  (2 pi^2 / (W H)) cos phi_v.

    The rows telescope, so the whole image sums to exactly 4 pi. Take ``[:, 0]`` for the per-row values.
    """
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    edges = np.pi / 2 - np.pi * np.arange(height + 1) / height
    per_row = (2 * np.pi / width) * (np.sin(edges[:-1]) - np.sin(edges[1:]))
    per_row = (per_row + per_row[::-1]) / 2  # exactly symmetric about the equator (removes rounding)
    return np.repeat(per_row[:, None], width, axis=1)


def sample_equirect(image: Any, u: Any, v: Any) -> np.ndarray:
    """Bilinearly sample an equirectangular image at continuous pixel coordinates.

    ``image`` is (H, W) or (H, W, C); ``u`` (column) and ``v`` (row) are equally shaped arrays of
    pixel coordinates (integers are pixel centres). Columns wrap around (longitude is periodic);
    rows are clamped to [0, H - 1]. Returns shape ``u.shape`` or ``u.shape + (C,)``.
    """
    image = as_array(image, "image").astype(np.float64)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {tuple(image.shape)}")
    u = as_array(u, "u").astype(np.float64)
    v = as_array(v, "v").astype(np.float64)
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same shape, got {u.shape} and {v.shape}")
    height, width = image.shape[:2]
    v = np.clip(v, 0.0, height - 1)
    u0 = np.floor(u)
    v0 = np.minimum(np.floor(v), max(height - 2, 0))
    fu = (u - u0)
    fv = (v - v0) if height > 1 else np.zeros_like(v)
    u0 = u0.astype(np.int64) % width
    u1 = (u0 + 1) % width
    v0 = v0.astype(np.int64)
    v1 = np.minimum(v0 + 1, height - 1)
    if image.ndim == 3:
        fu, fv = fu[..., None], fv[..., None]
    top = image[v0, u0] * (1 - fu) + image[v0, u1] * fu
    bottom = image[v1, u0] * (1 - fu) + image[v1, u1] * fu
    return top * (1 - fv) + bottom * fv


def camera_basis(yaw: float, pitch: float) -> np.ndarray:
    """Orthonormal camera frame looking at longitude ``yaw`` and latitude ``pitch`` (radians).

    Returns a (3, 3) array whose rows are (right, up, forward):
    forward = (cos p sin y, sin p, cos p cos y), right = (cos y, 0, -sin y) (the direction of
    increasing longitude) and up = (-sin p sin y, cos p, -sin p cos y) (increasing latitude).
    """
    yaw = _check_angle(yaw, "yaw")
    pitch = _check_angle(pitch, "pitch")
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    forward = np.array([cp * sy, sp, cp * cy])
    right = np.array([cy, 0.0, -sy])
    up = np.array([-sp * sy, cp, -sp * cy])
    return np.stack([right, up, forward])


def tangent_plane_directions(yaw: float, pitch: float, fov: float, size: int | tuple[int, int]) -> np.ndarray:
    """Unit directions of the pixel centres of a pinhole (gnomonic) camera, shape (h, w, 3).

    The image plane touches the unit sphere at the camera's forward direction (see
    :func:`camera_basis`). Pixel (r, c) sits at plane coordinates
    x = (2 (c + 0.5)/w - 1) tan(fov/2) and y = (1 - 2 (r + 0.5)/h) tan(fov/2) h/w
    (square pixels; ``fov`` is the horizontal field of view), and its direction is
    normalise(forward + x right + y up).
    """
    fov = _check_angle(fov, "fov")
    if not 0 < fov < np.pi:
        raise ValueError(f"fov must be in (0, pi) radians, got {fov}")
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"size must be an int or an (h, w) pair, got {size!r}")
        h, w = positive_int(size[0], "size"), positive_int(size[1], "size")
    else:
        h = w = positive_int(size, "size")
    right, up, forward = camera_basis(yaw, pitch)
    half = np.tan(fov / 2)
    x = (2 * (np.arange(w) + 0.5) / w - 1) * half
    y = (1 - 2 * (np.arange(h) + 0.5) / h) * half * h / w
    x, y = np.meshgrid(x, y)
    rays = forward + x[..., None] * right + y[..., None] * up
    return rays / np.linalg.norm(rays, axis=-1, keepdims=True)


def equirect_to_perspective(image: Any, yaw: float, pitch: float, fov: float,
                            size: int | tuple[int, int]) -> np.ndarray:
    """Render the view of a pinhole camera from an equirectangular image (gnomonic projection).

    ``image`` is (H, W) or (H, W, C). The camera looks at longitude ``yaw`` and latitude
    ``pitch`` (radians) with horizontal field of view ``fov`` (radians, in (0, pi)); ``size`` is
    the output size, an int or (h, w). Each output pixel's direction
    (:func:`tangent_plane_directions`) is mapped to (u, v) with :func:`direction_to_pixel` and the
    image is sampled bilinearly (:func:`sample_equirect`). Returns (h, w) or (h, w, C).
    """
    image = as_array(image, "image")
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {tuple(image.shape)}")
    rays = tangent_plane_directions(yaw, pitch, fov, size)
    u, v = direction_to_pixel(rays, image.shape[0], image.shape[1])
    return sample_equirect(image, u, v)
