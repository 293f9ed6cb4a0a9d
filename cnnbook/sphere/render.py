"""Procedural 360-degree scenes rendered straight into equirectangular images.

A scene is a function from unit directions (..., 3) to RGB colours (..., 3) in [0, 1]. Rendering
evaluates it at every pixel's direction (several sub-pixel directions when ``supersample`` > 1, for
anti-aliasing). Built-in scenes (``SCENES``):

- ``'caps'``: six coloured discs (angular radius 25 degrees) centred on +-x, +-y, +-z on a grey sphere;
- ``'grid'``: a latitude/longitude grid every 30 degrees (equator and the 0-degree meridian in red);
- ``'room'``: the inside of a cube-shaped room seen from its centre: tiled floor, ceiling lamp,
  four walls with a door, a window, a picture and striped wallpaper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cnnbook.functional._args import as_array
from cnnbook._validation import positive_int

__all__ = ["SCENES", "render_equirect", "rotation_matrix", "random_rotation"]


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A random 3x3 rotation matrix (determinant +1): the Q factor of a Gaussian matrix, sign-fixed."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def rotation_matrix(axis: str, angle: float) -> np.ndarray:
    """The 3x3 matrix of a right-handed rotation by ``angle`` radians about ``'x'``, ``'y'`` or ``'z'``."""
    if axis not in ("x", "y", "z"):
        raise ValueError(f"axis must be 'x', 'y' or 'z', got {axis!r}")
    c, s = np.cos(angle), np.sin(angle)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


_CAP_AXES = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=float)
_CAP_COLOURS = np.array([[0.85, 0.15, 0.15], [0.1, 0.75, 0.8], [0.2, 0.7, 0.2],
                         [0.75, 0.2, 0.75], [0.15, 0.3, 0.85], [0.95, 0.8, 0.1]])


def _caps(d: np.ndarray) -> np.ndarray:
    out = np.full(d.shape, 0.55)
    cos_radius = np.cos(np.radians(25.0))
    for axis, colour in zip(_CAP_AXES, _CAP_COLOURS):
        inside = d @ axis > cos_radius
        out[inside] = colour
    return out


def _grid(d: np.ndarray) -> np.ndarray:
    lam = np.degrees(np.arctan2(d[..., 0], d[..., 2]))
    phi = np.degrees(np.arcsin(np.clip(d[..., 1], -1, 1)))
    half_width = 1.2  # degrees of arc
    dist_lat = np.abs((phi + 15) % 30 - 15)
    dist_lon = np.abs((lam + 15) % 30 - 15) * np.cos(np.radians(phi))  # arc length along the parallel
    out = np.ones(d.shape) * np.array([0.95, 0.95, 0.92])
    out[(dist_lat < half_width) | (dist_lon < half_width)] = [0.15, 0.15, 0.2]
    out[np.abs(phi) < half_width] = [0.85, 0.1, 0.1]
    out[(np.abs(lam) * np.cos(np.radians(phi)) < half_width)] = [0.85, 0.1, 0.1]
    return out


def _room(d: np.ndarray) -> np.ndarray:
    """A cube room [-1, 1]^3 seen from its centre; (a, b) are coordinates in [-1, 1] on each face."""
    out = np.zeros(d.shape)
    ad = np.abs(d)
    face = ad.argmax(axis=-1)
    big = np.take_along_axis(d, face[..., None], axis=-1)[..., 0]
    p = d / np.abs(big)[..., None]  # the point on the cube
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    floor = (face == 1) & (big < 0)
    ceiling = (face == 1) & (big > 0)
    # Floor: 8 x 8 checkerboard tiles in two wood tones.
    tiles = (np.floor((x + 1) * 4) + np.floor((z + 1) * 4)) % 2
    out[floor] = np.where(tiles[floor, None] > 0, [0.55, 0.35, 0.2], [0.8, 0.6, 0.4])
    # Ceiling: off-white with a square lamp in the middle.
    lamp = (np.abs(x) < 0.25) & (np.abs(z) < 0.25)
    out[ceiling] = np.where(lamp[ceiling, None], [1.0, 0.95, 0.6], [0.9, 0.9, 0.88])
    walls = ~(floor | ceiling)
    # Walls: horizontal coordinate a along the wall, height y.
    a = np.where(face == 0, z * np.sign(x), -x * np.sign(z))
    wall_id = np.where(face == 0, np.where(x > 0, 1, 3), np.where(z > 0, 0, 2))
    base = np.array([[0.75, 0.82, 0.9], [0.92, 0.85, 0.7], [0.8, 0.9, 0.78], [0.9, 0.78, 0.8]])
    colour = base[wall_id]
    stripes = (wall_id == 3) & ((np.floor((a + 1) * 8) % 2) == 1)
    colour[stripes] *= 0.85
    door = (wall_id == 0) & (np.abs(a) < 0.3) & (y < 0.4)
    colour[door] = [0.45, 0.28, 0.15]
    knob = (wall_id == 0) & (np.abs(a - 0.2) < 0.04) & (np.abs(y + 0.25) < 0.04)
    colour[knob] = [0.95, 0.85, 0.3]
    window = (wall_id == 1) & (np.abs(a) < 0.45) & (np.abs(y - 0.15) < 0.35)
    bars = window & ((np.abs(a) < 0.03) | (np.abs(y - 0.15) < 0.03))
    colour[window] = [0.55, 0.8, 1.0]
    colour[bars] = [0.95, 0.95, 0.95]
    frame = (wall_id == 2) & (np.abs(a) < 0.35) & (np.abs(y - 0.1) < 0.25)
    picture = (wall_id == 2) & (np.abs(a) < 0.3) & (np.abs(y - 0.1) < 0.2)
    colour[frame] = [0.3, 0.2, 0.1]
    colour[picture] = np.where((y[picture] - 0.1 + 0.5 * np.abs(a[picture]))[:, None] < 0.05,
                               [0.3, 0.6, 0.3], [0.6, 0.75, 0.95])
    skirting = y < -0.9
    colour[skirting] = [0.95, 0.95, 0.95]
    out[walls] = colour[walls]
    return out


#: The built-in procedural scenes.
SCENES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"caps": _caps, "grid": _grid, "room": _room}


def render_equirect(scene: str | Callable[[np.ndarray], np.ndarray], height: int, width: int,
                    rotation: Any = None, supersample: int = 2) -> np.ndarray:
    """Render a procedural scene into an equirectangular image of shape (H, W, 3), float64 in [0, 1].

    ``scene`` is a name from :data:`SCENES` or a function mapping unit directions (..., 3) to
    colours (..., 3). ``rotation`` is a 3x3 rotation matrix R (default identity): the scene is
    rotated by R before it is photographed, so pixel direction d shows the scene's colour at
    R^T d, and a feature of the scene at direction s appears at R s. Each pixel averages
    ``supersample`` x ``supersample`` sub-pixel directions (pixel centres when 1), using the
    convention of :func:`cnnbook.sphere.pixel_to_direction`.
    """
    if isinstance(scene, str):
        if scene not in SCENES:
            raise ValueError(f"scene must be one of {sorted(SCENES)} or a function, got {scene!r}")
        scene = SCENES[scene]
    elif not callable(scene):
        raise TypeError(f"scene must be a scene name or a function of directions, got {type(scene).__name__}")
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    supersample = positive_int(supersample, "supersample")
    if rotation is None:
        rotation = np.eye(3)
    rotation = as_array(rotation, "rotation").astype(np.float64)
    if rotation.shape != (3, 3) or not np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-6):
        raise ValueError(f"rotation must be a 3x3 orthogonal matrix, got shape {rotation.shape}")
    offsets = (np.arange(supersample) + 0.5) / supersample  # sub-pixel positions in (0, 1)
    u = (np.arange(width)[:, None] + offsets[None, :]).reshape(-1)  # W*s
    v = (np.arange(height)[:, None] + offsets[None, :]).reshape(-1)  # H*s
    lam = 2 * np.pi * u / width - np.pi
    phi = np.pi / 2 - np.pi * v / height
    lam, phi = np.meshgrid(lam, phi)
    d = np.stack([np.cos(phi) * np.sin(lam), np.sin(phi), np.cos(phi) * np.cos(lam)], axis=-1)
    colours = np.asarray(scene(d @ rotation), dtype=np.float64)  # d @ R = (R^T d^T)^T
    if colours.shape != d.shape:
        raise ValueError(f"scene must return colours of shape (..., 3) like its input, got {colours.shape}")
    colours = colours.reshape(height, supersample, width, supersample, 3).mean(axis=(1, 3))
    return np.clip(colours, 0.0, 1.0)
