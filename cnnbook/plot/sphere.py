"""Figures for the chapter "Spherical images": data on the sphere seen as a globe.

An orthographic view shows the hemisphere facing a viewer far away, looking at the point of
longitude ``lon`` and latitude ``lat`` (degrees). A unit direction d appears at
``(x, y) = (d · right, d · up)`` and is visible when ``d · forward > 0``, where (right, up, forward)
is :func:`cnnbook.sphere.equirect.camera_basis` at that point. Three kinds of data can be shown:
an equirectangular image, one value per icosphere face, and one value per icosphere vertex.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.patches import Circle

from cnnbook.plot import IMAGE_CMAP, _to_numpy
from cnnbook.sphere.equirect import camera_basis, direction_to_pixel, sample_equirect
from cnnbook.sphere.icosphere import check_level, face_centers, icosphere

__all__ = ["view_basis", "orthographic_directions", "show_globe_equirect", "show_globe_faces",
           "show_globe_vertices"]


def view_basis(lon: float = 0.0, lat: float = 20.0) -> np.ndarray:
    """(3, 3) rows (right, up, forward) of the view centred at ``lon``, ``lat`` degrees."""
    for name, value in (("lon", lon), ("lat", lat)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number of degrees, got {value!r}")
    if not -90 <= lat <= 90:
        raise ValueError(f"lat must be in [-90, 90] degrees, got {lat}")
    return camera_basis(np.radians(lon), np.radians(lat))


def orthographic_directions(size: int, lon: float = 0.0, lat: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """Directions seen by the pixels of a ``size`` x ``size`` orthographic view.

    Pixel (i, j) sits at x = -1 + (2j + 1)/size, y = 1 - (2i + 1)/size; it sees the sphere when
    x² + y² < 1, at d = x right + y up + sqrt(1 - x² - y²) forward. Returns ``(d, inside)``:
    d (size, size, 3) unit vectors (forward outside the disc) and the (size, size) boolean disc.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 2:
        raise ValueError(f"size must be an int >= 2 (pixels across the view), got {size!r}")
    right, up, forward = view_basis(lon, lat)
    t = -1 + (2 * np.arange(size) + 1) / size
    x, y = np.meshgrid(t, -t)
    r2 = x**2 + y**2
    inside = r2 < 1
    z = np.sqrt(np.clip(1 - r2, 0, None))
    d = x[..., None] * right + y[..., None] * up + z[..., None] * forward
    d[~inside] = forward
    return d, inside


def _finish(ax: Axes, title: str | None) -> None:
    ax.add_patch(Circle((0, 0), 1, fill=False, color="0.3", lw=0.8))
    ax.set_xlim(-1.03, 1.03)
    ax.set_ylim(-1.03, 1.03)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)


def show_globe_equirect(ax: Axes, image, lon: float = 0.0, lat: float = 20.0, size: int = 160,
                        cmap: str = IMAGE_CMAP, vmin: float | None = 0.0, vmax: float | None = 1.0,
                        title: str | None = None):
    """Draw an (H, W) equirectangular ``image`` on a globe seen from ``lon``, ``lat`` (degrees).

    Each pixel of the view samples the image bilinearly at its direction
    (:func:`orthographic_directions`, :func:`cnnbook.sphere.equirect.sample_equirect`). Returns the AxesImage.
    """
    image = _to_numpy(image).astype(np.float64)
    if image.ndim != 2:
        raise ValueError(f"image must be an (H, W) equirectangular image, got shape {image.shape}")
    d, inside = orthographic_directions(size, lon, lat)
    u, v = direction_to_pixel(d.reshape(-1, 3), *image.shape)
    values = sample_equirect(image, u, v).reshape(size, size)
    shown = np.ma.masked_array(values, ~inside)
    artist = ax.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax, extent=(-1, 1, -1, 1), interpolation="nearest")
    _finish(ax, title)
    return artist


def _visible_mesh(level: int, lon: float, lat: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The level-``level`` icosphere seen from ``lon``, ``lat``: projected (V, 2) vertices, faces, visible faces."""
    verts, faces = icosphere(level)
    basis = view_basis(lon, lat)
    return verts @ basis[:2].T, faces, face_centers(level) @ basis[2] > 0


def show_globe_faces(ax: Axes, values, level: int, lon: float = 0.0, lat: float = 20.0,
                     cmap: str = IMAGE_CMAP, vmin: float | None = 0.0, vmax: float | None = 1.0,
                     edges: bool = False, title: str | None = None) -> PolyCollection:
    """Draw one value per face of a level-``level`` icosphere (``values`` shape (F,)) as coloured triangles.

    Only faces whose centre faces the viewer are drawn. Returns the PolyCollection.
    """
    level = check_level(level)
    values = _to_numpy(values).astype(np.float64).reshape(-1)
    xy, faces, visible = _visible_mesh(level, lon, lat)
    if values.shape != (len(faces),):
        raise ValueError(f"values must hold one value per face, {len(faces)} at level {level}, got {values.size}")
    collection = PolyCollection(xy[faces[visible]], array=values[visible], cmap=cmap,
                                edgecolors="0.4" if edges else "face", linewidths=0.2 if edges else 0.1)
    collection.set_clim(vmin, vmax)
    ax.add_collection(collection)
    _finish(ax, title)
    return collection


def show_globe_vertices(ax: Axes, values, level: int, lon: float = 0.0, lat: float = 20.0,
                        cmap: str = IMAGE_CMAP, vmin: float | None = 0.0, vmax: float | None = 1.0,
                        title: str | None = None):
    """Draw one value per vertex of a level-``level`` icosphere (``values`` shape (V,)), shaded linearly
    across each visible face (Gouraud shading). Returns the TriMesh/PolyCollection from ``tripcolor``.
    """
    level = check_level(level)
    values = _to_numpy(values).astype(np.float64).reshape(-1)
    xy, faces, visible = _visible_mesh(level, lon, lat)
    if values.shape != (len(xy),):
        raise ValueError(f"values must hold one value per vertex, {len(xy)} at level {level}, got {values.size}")
    artist = ax.tripcolor(xy[:, 0], xy[:, 1], faces[visible], values, shading="gouraud",
                          cmap=cmap, vmin=vmin, vmax=vmax)
    _finish(ax, title)
    return artist
