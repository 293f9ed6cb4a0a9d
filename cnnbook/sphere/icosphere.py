"""Icosahedral meshes of the unit sphere: subdivision levels, SpherePHD kernels, pooling, sampling.

Conventions (shared with :mod:`cnnbook.sphere.equirect`): y points up, so latitude is
phi = asin(y) and longitude is lambda = atan2(x, z). The level-0 icosahedron has a vertex at each
pole and two rings of five vertices at latitude +-atan(1/2).

- Vertices are ordered **coarse-first**: level l-1's vertices are a prefix of level l's, so
  vertex pooling simply keeps the first ``10 * 4**(l-1) + 2`` vertices (UGSCNN's downsampling).
- Faces are ordered **hierarchically**: the 4 children of level-(l-1) face p are faces
  ``4p, 4p+1, 4p+2, 4p+3`` at level l, so face pooling groups 4 consecutive faces (SpherePHD).
- Every face ``(a, b, c)`` starts at its *apex* and runs counter-clockwise seen from outside.
  The apex is the vertex that points "up" for an upward triangle of the unfolded icosahedral net
  and "down" for a downward one, so rotating a downward triangle by 180 degrees turns it into an
  upward one with the same vertex order. This is what makes one kernel serve both orientations.

All per-level tables are cached (``functools.lru_cache``); the arrays returned are read-only.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from cnnbook.functional._args import as_array
from cnnbook.sphere.equirect import direction_to_pixel, sample_equirect

from cnnbook._validation import int_in_range

__all__ = [
    "icosphere",
    "check_level",
    "MAX_LEVEL",
    "face_neighbors",
    "face_children",
    "face_centers",
    "face_areas",
    "sample_equirect_on_faces",
    "sample_equirect_on_vertices",
    "level_of",
]

MAX_LEVEL = 7


def check_level(level: Any, name: str = "level", minimum: int = 0) -> int:
    """Return ``level`` as a subdivision level, an int in [minimum, MAX_LEVEL], or raise naming ``name``."""
    return int_in_range(level, name, minimum, MAX_LEVEL)


def level_of(count: int, kind: str = "faces") -> int:
    """The level l with ``count`` faces (20 * 4**l) or vertices (10 * 4**l + 2); raise if none fits."""
    if kind not in ("faces", "vertices"):
        raise ValueError(f"kind must be 'faces' or 'vertices', got {kind!r}")
    for level in range(MAX_LEVEL + 1):
        n = 20 * 4**level if kind == "faces" else 10 * 4**level + 2
        if n == count:
            return level
    valid = [20 * 4**l if kind == "faces" else 10 * 4**l + 2 for l in range(5)]
    raise ValueError(f"the number of {kind} must be one of {valid}, ... (an icosphere level), got {count}")


def _icosahedron() -> tuple[np.ndarray, np.ndarray]:
    """Level 0: 12 vertices (poles + two rings of 5) and 20 apex-first, counter-clockwise faces."""
    ring = np.arctan(0.5)
    verts = [(0.0, 1.0, 0.0)]
    for k in range(5):  # upper ring N_k at longitude 72k degrees
        lam = 2 * np.pi * k / 5
        verts.append((np.cos(ring) * np.sin(lam), np.sin(ring), np.cos(ring) * np.cos(lam)))
    for k in range(5):  # lower ring S_k at longitude 72k + 36 degrees
        lam = 2 * np.pi * k / 5 + np.pi / 5
        verts.append((np.cos(ring) * np.sin(lam), -np.sin(ring), np.cos(ring) * np.cos(lam)))
    verts.append((0.0, -1.0, 0.0))
    up = lambda k: 1 + k % 5  # noqa: E731
    lo = lambda k: 6 + k % 5  # noqa: E731
    faces = []
    # Net orientation: top cap points up (apex = north pole), upper band points down (apex = lower
    # ring vertex), lower band points up (apex = upper ring vertex), bottom cap points down.
    for k in range(5):
        faces.append((0, up(k), up(k + 1)))
    for k in range(5):
        faces.append((lo(k), up(k + 1), up(k)))
    for k in range(5):
        faces.append((up(k + 1), lo(k), lo(k + 1)))
    for k in range(5):
        faces.append((11, lo(k + 1), lo(k)))
    verts = np.array(verts)
    faces = np.array(faces, dtype=np.int64)
    # make every face counter-clockwise seen from outside (keep the apex first)
    a, b, c = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    flip = np.einsum("ij,ij->i", np.cross(b - a, c - a), a + b + c) < 0
    faces[flip] = faces[flip][:, [0, 2, 1]]
    return verts, faces


@functools.lru_cache(maxsize=None)
def _mesh(level: int) -> tuple[np.ndarray, np.ndarray]:
    if level == 0:
        verts, faces = _icosahedron()
    else:
        prev_verts, prev_faces = _mesh(level - 1)
        verts = list(prev_verts)
        midpoint: dict[tuple[int, int], int] = {}

        def mid(i: int, j: int) -> int:
            key = (min(i, j), max(i, j))
            if key not in midpoint:
                m = prev_verts[i] + prev_verts[j]
                verts.append(m / np.linalg.norm(m))
                midpoint[key] = len(verts) - 1
            return midpoint[key]

        faces = np.empty((4 * len(prev_faces), 3), dtype=np.int64)
        for p, (a, b, c) in enumerate(prev_faces):
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            # apex rule: the corner child at the apex keeps it; the other corner children point the
            # same way, so their apex is the midpoint towards the parent's apex; the centre child is
            # upside down, with its apex at the midpoint of the edge opposite the parent's apex.
            faces[4 * p + 0] = (a, ab, ca)
            faces[4 * p + 1] = (ab, b, bc)
            faces[4 * p + 2] = (ca, bc, c)
            faces[4 * p + 3] = (bc, ca, ab)
        verts = np.array(verts)
    verts.setflags(write=False)
    faces.setflags(write=False)
    return verts, faces


def icosphere(level: int) -> tuple[np.ndarray, np.ndarray]:
    """The icosahedron subdivided ``level`` times at edge midpoints, projected onto the unit sphere.

    Returns ``(vertices, faces)``: vertices (V, 3) float64 unit vectors and faces (F, 3) int64
    vertex indices, with V = 10 * 4**level + 2 and F = 20 * 4**level. Vertices are coarse-first
    (level l-1's vertices are a prefix); face p's children at the next level are 4p..4p+3; each
    face lists its apex first and runs counter-clockwise seen from outside (see the module notes).
    """
    return _mesh(check_level(level))


@functools.lru_cache(maxsize=None)
def face_centers(level: int) -> np.ndarray:
    """Unit vectors through the face centroids, shape (F, 3): normalise (a + b + c)."""
    verts, faces = icosphere(level)
    c = verts[faces].sum(axis=1)
    c = c / np.linalg.norm(c, axis=1, keepdims=True)
    c.setflags(write=False)
    return c


@functools.lru_cache(maxsize=None)
def face_areas(level: int) -> np.ndarray:
    """Solid angle (steradians) of each spherical triangle, shape (F,); they sum to 4 pi.

    Uses the Van Oosterom-Strackee formula tan(Omega/2) = a.(b x c) / (1 + a.b + b.c + c.a).
    """
    verts, faces = icosphere(level)
    a, b, c = (verts[faces[:, k]] for k in range(3))
    num = np.einsum("ij,ij->i", a, np.cross(b, c))
    den = 1 + np.einsum("ij,ij->i", a, b) + np.einsum("ij,ij->i", b, c) + np.einsum("ij,ij->i", c, a)
    area = 2 * np.arctan2(num, den)
    area.setflags(write=False)
    return area


@functools.lru_cache(maxsize=None)
def _vertex_fans(level: int) -> list[np.ndarray]:
    """For each vertex, its incident faces sorted counter-clockwise (seen from outside)."""
    verts, faces = icosphere(level)
    centers = face_centers(level)
    incident: list[list[int]] = [[] for _ in range(len(verts))]
    for f, tri in enumerate(faces):
        for v in tri:
            incident[v].append(f)
    fans = []
    helper = np.array([0.0, 0.0, 1.0])
    for v, fs in enumerate(incident):
        n = verts[v]
        e1 = np.cross(helper if abs(n[2]) < 0.9 else np.array([1.0, 0.0, 0.0]), n)
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(n, e1)  # (e1, e2, n) is right-handed, so increasing angle is counter-clockwise
        rel = centers[fs]
        angle = np.arctan2(rel @ e2, rel @ e1)
        fans.append(np.asarray(fs)[np.argsort(angle)])
    return fans


@functools.lru_cache(maxsize=None)
def _neighbors(level: int) -> np.ndarray:
    verts, faces = icosphere(level)
    fans = _vertex_fans(level)
    table = np.empty((len(faces), 10), dtype=np.int64)
    for f, (p, q, r) in enumerate(faces):
        row = [f]
        step = {}
        for v in (p, q, r):
            fan = fans[v]
            i = int(np.flatnonzero(fan == f)[0])
            n = len(fan)
            step[v] = [int(fan[(i + s) % n]) for s in (1, -1, 2, -2)]
        # counter-clockwise around p, the face after f shares edge (p, r); the one before shares (p, q)
        right, left = step[p][0], step[p][1]
        below = step[q][1]  # around q, the face after f shares edge (q, p), the one before (q, r)
        row += [right, left, below]
        for v in (p, q, r):
            row += [step[v][2], step[v][3]]
        table[f] = row
    table.setflags(write=False)
    return table


def face_neighbors(level: int) -> np.ndarray:
    """The SpherePHD 10-triangle kernel of every face, shape (F, 10), int64.

    Row f is ``[f, right, left, below, p+, p-, q+, q-, r+, r-]`` for face f = (p, q, r) (apex p,
    counter-clockwise): the face itself, the neighbours across edges (p, r), (p, q) and (q, r),
    then for each corner the two faces two steps around that corner (counter-clockwise, then
    clockwise). These are the 13 faces touching f minus the three faces straight across each
    corner, so the kernel uses at most 5 faces around any vertex and still works at the 12
    valence-5 vertices of the icosahedron. Because rows are ordered from the apex, a downward
    face gets the layout of an upward one turned by 180 degrees (a rotation, not a mirror image),
    and one weight vector of length 10 serves both orientations.
    """
    return _neighbors(check_level(level))


@functools.lru_cache(maxsize=None)
def _children(level: int) -> np.ndarray:
    table = np.arange(20 * 4**level, dtype=np.int64).reshape(-1, 4)
    table.setflags(write=False)
    return table


def face_children(level: int) -> np.ndarray:
    """For each face of level ``level - 1``, its 4 children at level ``level``: shape (F/4, 4).

    Row p is ``[4p, 4p+1, 4p+2, 4p+3]`` (the corner children at the apex and the next two
    corners, then the upside-down centre child), because faces are stored hierarchically.
    ``level`` must be >= 1.
    """
    return _children(check_level(level, minimum=1))


def _sample(image: Any, directions: np.ndarray, name: str = "image") -> np.ndarray:
    """Bilinearly sample (..., H, W) equirectangular images at unit ``directions`` (P, 3) -> (..., P)."""
    image = as_array(image, name).astype(np.float64)
    if image.ndim < 2:
        raise ValueError(f"{name} must have shape (..., H, W) (equirectangular rows and columns), "
                         f"got shape {tuple(image.shape)}")
    height, width = image.shape[-2:]
    lead = image.shape[:-2]
    stack = image.reshape(-1, height, width).transpose(1, 2, 0)  # (H, W, B)
    u, v = direction_to_pixel(directions, height, width)
    values = sample_equirect(stack, u, v)  # (P, B)
    return np.ascontiguousarray(values.T.reshape(*lead, len(directions)))


def sample_equirect_on_faces(image: Any, level: int) -> np.ndarray:
    """Sample equirectangular images at the face centroids of a level-``level`` icosphere.

    ``image`` has shape (..., H, W) (for example (N, C, H, W)); returns (..., F) float64 with
    F = 20 * 4**level. Each value is the bilinear sample at the direction of the normalised
    centroid (:func:`cnnbook.sphere.equirect.direction_to_pixel`, columns wrap around).
    """
    return _sample(image, face_centers(check_level(level)))


def sample_equirect_on_vertices(image: Any, level: int) -> np.ndarray:
    """Sample equirectangular images at the vertices of a level-``level`` icosphere.

    ``image`` has shape (..., H, W); returns (..., V) float64 with V = 10 * 4**level + 2.
    """
    verts, _ = icosphere(check_level(level))
    return _sample(image, verts)
