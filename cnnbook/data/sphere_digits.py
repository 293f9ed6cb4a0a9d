"""Handwritten digits on the sphere: scikit-learn's 8x8 digits pasted on a tangent plane, placed on
the sphere (fixed, at random positions, at a chosen latitude, or under a random rotation) and
rendered as equirectangular images and on an icosphere's faces and vertices.

This is the book's own small task, in the spirit of the "spherical MNIST" experiments of the
spherical-CNN papers but not a copy of any of them: their digits are MNIST's 28x28, and their
resolutions and placements differ from paper to paper. It is sized to train in seconds on a CPU.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from cnnbook.data.images import load_digits
from cnnbook.sphere.equirect import pixel_to_direction
from cnnbook.sphere.icosphere import (check_level, face_centers, icosphere, sample_equirect_on_faces,
                                      sample_equirect_on_vertices)

from cnnbook._validation import positive_int

__all__ = ["project_digit", "make_sphere_digits", "placement_rotations", "SphereDigits", "PLACEMENTS", "SAMPLINGS"]

#: Where :func:`make_sphere_digits` puts each digit.
PLACEMENTS = ("front", "uniform", "latitude")
#: How :func:`make_sphere_digits` gets the values on the icosphere's faces and vertices.
SAMPLINGS = ("direct", "equirect")


def project_digit(digit: np.ndarray, height: int = 32, width: int = 64, fov: float = 1.4,
                  rotation: np.ndarray | None = None) -> np.ndarray:
    """Paste one (h, w) image on the sphere and return the (height, width) equirectangular image.

    The image sits on the plane tangent to the sphere at longitude 0, latitude 0 (direction +z),
    spanning ``fov`` radians of tangent-plane width (gnomonic projection). A 3x3 ``rotation``
    matrix R then moves it: the output at direction d is the digit seen at R^T d. Pixels whose
    direction is behind the tangent plane, or outside the image, are 0.
    """
    digit = np.asarray(digit, dtype=np.float64)
    if digit.ndim != 2:
        raise ValueError(f"digit must be a 2-D (h, w) image, got shape {digit.shape}")
    if rotation is not None:
        rotation = np.asarray(rotation, dtype=np.float64)
        if rotation.shape != (3, 3):
            raise ValueError(f"rotation must be a (3, 3) matrix, got shape {rotation.shape}")
        rotation = rotation[None]
    return _project(digit[None], height, width, fov, rotation)[0]


def _project(digits: np.ndarray, height: int, width: int, fov: float,
             rotations: np.ndarray | None) -> np.ndarray:
    """Vectorised :func:`project_digit`: (N, h, w) digits, (N, 3, 3) rotations -> (N, height, width)."""
    n = digits.shape[0]
    return _project_at(digits, pixel_to_direction(height, width).reshape(-1, 3), fov, rotations).reshape(
        n, height, width)


def _project_at(digits: np.ndarray, directions: np.ndarray, fov: float, rotations: np.ndarray | None) -> np.ndarray:
    """The digits seen at unit ``directions`` (P, 3): (N, h, w) digits, (N, 3, 3) rotations -> (N, P)."""
    if not 0 < fov < np.pi:
        raise ValueError(f"fov must be in (0, pi) radians, got {fov}")
    n, h, w = digits.shape
    d = directions
    d = np.broadcast_to(d, (n,) + d.shape) if rotations is None else np.einsum("pi,nij->npj", d, rotations)
    front = d[..., 2] > 1e-6
    z = np.where(front, d[..., 2], 1.0)
    half = np.tan(fov / 2)
    col = (d[..., 0] / z / half + 1) * w / 2 - 0.5
    row = (1 - d[..., 1] / z / half) * h / 2 - 0.5
    inside = front & (col > -1) & (col < w) & (row > -1) & (row < h)
    padded = np.pad(digits, ((0, 0), (1, 1), (1, 1)))  # zero border: samples fade out at the edge
    index = np.arange(n)[:, None]
    values = _bilinear(padded, index, row + 1, col + 1)
    return np.where(inside, values, 0.0)


def _bilinear(images: np.ndarray, index: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Sample (N, h, w) ``images[index]`` bilinearly at (row, col), clamped to the image."""
    _, h, w = images.shape
    row = np.clip(row, 0, h - 1)
    col = np.clip(col, 0, w - 1)
    r0 = np.minimum(np.floor(row).astype(int), h - 2)
    c0 = np.minimum(np.floor(col).astype(int), w - 2)
    fr, fc = row - r0, col - c0
    top = images[index, r0, c0] * (1 - fc) + images[index, r0, c0 + 1] * fc
    bottom = images[index, r0 + 1, c0] * (1 - fc) + images[index, r0 + 1, c0 + 1] * fc
    return top * (1 - fr) + bottom * fr


class SphereDigits(tuple):
    """``(equirect, faces, vertices, labels)``, each a float32 tensor except int64 labels:

    - ``equirect`` (N, 1, H, W); ``faces`` (N, 1, 20 * 4**level); ``vertices`` (N, 1, 10 * 4**level + 2);
    - ``labels`` (N,) in 0..9.
    """

    def __new__(cls, equirect, faces, vertices, labels):
        return super().__new__(cls, (equirect, faces, vertices, labels))

    equirect = property(lambda self: self[0])
    faces = property(lambda self: self[1])
    vertices = property(lambda self: self[2])
    labels = property(lambda self: self[3])


def placement_rotations(n: int, placement: str = "front", latitude: float | None = None,
                        seed: int = 0) -> np.ndarray:
    """Rotations (n, 3, 3) that move a digit from the front of the sphere to its place, upright.

    The rotation for centre longitude lambda and latitude phi is ``camera_basis(lambda, phi).T``:
    it maps the digit's right, up and forward axes to the local east, north and outward directions,
    so the digit stays upright (its up points north). ``placement``:

    - ``"front"``: every digit at longitude 0, latitude 0 (the identity);
    - ``"uniform"``: centres uniform over the sphere's area: sin(phi) uniform in [-1, 1], lambda uniform;
    - ``"latitude"``: |phi| = ``latitude`` degrees, the hemisphere and lambda uniform at random.
    """
    n = positive_int(n, "n")
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    if placement == "latitude":
        if isinstance(latitude, bool) or not isinstance(latitude, numbers.Real) or not 0 <= latitude <= 90:
            raise ValueError(f"latitude must be a number of degrees in [0, 90] for placement='latitude', "
                             f"got {latitude!r}")
    elif latitude is not None:
        raise ValueError(f"latitude is only used with placement='latitude', got latitude={latitude!r} "
                         f"with placement={placement!r}")
    if placement == "front":
        return np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-np.pi, np.pi, n)
    if placement == "uniform":
        lat = np.arcsin(rng.uniform(-1.0, 1.0, n))
    else:
        lat = np.radians(latitude) * rng.choice([-1.0, 1.0], n)
    cy, sy, cp, sp = np.cos(lon), np.sin(lon), np.cos(lat), np.sin(lat)
    right = np.stack([cy, np.zeros(n), -sy], axis=-1)           # camera_basis(lon, lat), vectorised
    up = np.stack([-sp * sy, cp, -sp * cy], axis=-1)
    forward = np.stack([cp * sy, sp, cp * cy], axis=-1)
    return np.stack([right, up, forward], axis=-1)


def make_sphere_digits(n: int | None = None, level: int = 3, height: int = 32, width: int = 64,
                       rotate: bool = False, fov: float = 1.4, seed: int = 0,
                       start: int = 0, placement: str = "front", latitude: float | None = None,
                       sampling: str = "direct") -> SphereDigits:
    """scikit-learn digits projected onto the sphere, as equirectangular images and on an icosphere.

    Digits ``start .. start + n`` (all 1,797 if ``n`` is None) are pasted on the sphere
    (:func:`project_digit`) where ``placement`` puts them (:func:`placement_rotations`: ``"front"``,
    ``"uniform"`` or ``"latitude"`` with ``latitude`` in degrees), or, when ``rotate``, under an
    independent uniformly random rotation (``placement`` must then be ``"front"``); ``seed`` seeds the
    random placement or rotation. They are rendered at ``height`` x ``width``, and on the faces and
    vertices of a level-``level`` icosphere: with ``sampling="direct"`` the digit is sampled at each
    face centre and vertex itself, with ``"equirect"`` bilinearly from the equirectangular render
    (which interpolates twice).
    """
    images, labels = load_digits()
    total = len(labels)
    if isinstance(start, bool) or not isinstance(start, numbers.Integral) or not 0 <= start < total:
        raise ValueError(f"start must be an int in [0, {total}), got {start!r}")
    n = total - start if n is None else positive_int(n, "n")
    if start + n > total:
        raise ValueError(f"n must be at most {total - start} when start = {start}, got {n}")
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    level = check_level(level)
    if not isinstance(rotate, (bool, np.bool_)):
        raise TypeError(f"rotate must be True or False, got {rotate!r}")
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
    if rotate and placement != "front":
        raise ValueError(f"rotate=True draws a random rotation, so placement must be 'front', got {placement!r}")
    digits = images[start:start + n, 0].numpy().astype(np.float64)
    if rotate:
        rotations = Rotation.random(n, random_state=seed).as_matrix()
    else:
        rotations = placement_rotations(n, placement, latitude, seed)
        rotations = None if placement == "front" else rotations
    equirect = _project(digits, height, width, fov, rotations)[:, None]
    if sampling == "direct":
        faces = _project_at(digits, face_centers(level), fov, rotations)[:, None]
        vertices = _project_at(digits, icosphere(level)[0], fov, rotations)[:, None]
    else:
        faces = sample_equirect_on_faces(equirect, level)
        vertices = sample_equirect_on_vertices(equirect, level)
    return SphereDigits(torch.from_numpy(equirect.astype(np.float32)),
                        torch.from_numpy(faces.astype(np.float32)),
                        torch.from_numpy(vertices.astype(np.float32)),
                        labels[start:start + n].clone())
