"""Handwritten digits on the sphere: scikit-learn's 8x8 digits pasted on a tangent plane and
rendered as equirectangular images, optionally under a random rotation (the "spherical MNIST"
setup of the SpherePHD and UGSCNN papers, scaled down so it trains in seconds on a CPU).
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from cnnbook.data.images import load_digits
from cnnbook.sphere.equirect import pixel_to_direction
from cnnbook.sphere.icosphere import sample_equirect_on_faces, sample_equirect_on_vertices

from cnnbook._validation import positive_int

__all__ = ["project_digit", "make_sphere_digits", "SphereDigits"]


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
    if not 0 < fov < np.pi:
        raise ValueError(f"fov must be in (0, pi) radians, got {fov}")
    n, h, w = digits.shape
    d = pixel_to_direction(height, width).reshape(-1, 3)
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
    return np.where(inside, values, 0.0).reshape(n, height, width)


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


def make_sphere_digits(n: int | None = None, level: int = 3, height: int = 32, width: int = 64,
                       rotate: bool = False, fov: float = 1.4, seed: int = 0,
                       start: int = 0) -> SphereDigits:
    """scikit-learn digits projected onto the sphere, as equirectangular images and on an icosphere.

    Digits ``start .. start + n`` (all 1,797 if ``n`` is None) are each pasted at the front of the
    sphere (:func:`project_digit`), rotated by an independent uniformly random rotation when
    ``rotate`` (seeded by ``seed``), rendered at ``height`` x ``width``, and sampled on the faces
    and vertices of a level-``level`` icosphere (bilinearly, from the equirectangular image).
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
    if not isinstance(rotate, (bool, np.bool_)):
        raise TypeError(f"rotate must be True or False, got {rotate!r}")
    digits = images[start:start + n, 0].numpy().astype(np.float64)
    rotations = Rotation.random(n, random_state=seed).as_matrix() if rotate else None
    equirect = _project(digits, height, width, fov, rotations)[:, None]
    faces = sample_equirect_on_faces(equirect, level)
    vertices = sample_equirect_on_vertices(equirect, level)
    return SphereDigits(torch.from_numpy(equirect.astype(np.float32)),
                        torch.from_numpy(faces.astype(np.float32)),
                        torch.from_numpy(vertices.astype(np.float32)),
                        labels[start:start + n].clone())
