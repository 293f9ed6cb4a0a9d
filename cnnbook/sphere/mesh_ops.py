"""Differential operators on the icosphere's vertices, for UGSCNN's mesh convolution.

Jiang et al. (ICLR 2019) build a convolution from four operators on a function F sampled at the
mesh vertices: the identity, the Laplacian, and the east-west and north-south directional
derivatives. This module builds the last three as sparse (V, V) matrices for a level-l icosphere
(:func:`cnnbook.sphere.icosphere`), with y as the polar axis.

**Laplacian (the area-normalisation choice).** The cotangent formula is

    (Delta F)_i = 1 / A_i * sum_j 1/2 (cot alpha_ij + cot beta_ij) (F_j - F_i),

where alpha_ij and beta_ij are the angles opposite edge (i, j) and A_i is the area of vertex i's
cell. The paper writes the formula with the area division (its 1/(2 A_i) folds the 1/2 in); the
reference code (``maxjiang93/ugscnn``) uses libigl's ``cotmatrix`` **without** dividing by any
area. ``area`` picks the choice:

- ``"voronoi"`` (default, the paper's formula): A_i = 1/8 sum_j (cot alpha_ij + cot beta_ij)
  |x_j - x_i|^2, the circumcentric (Voronoi) cell, valid because every icosphere triangle is
  acute. Delta then approximates the Laplace-Beltrami operator (Delta z ~ -2 z on the unit sphere)
  with an error that shrinks everywhere as the mesh is refined (tested).
- ``"barycentric"``: A_i = (1/3) sum of the areas of the triangles around i. Cheaper to explain, but
  its error stays of order 0.3 at the 12 valence-5 vertices at every level (only the RMS shrinks).
- ``"none"``: the reference code's matrix, scale-free and about h**2 times smaller (h = edge length).

**Directional derivatives.** For each flat face, the gradient of the linear interpolant is
grad F = sum_k F_k (n x e_k) / (2 A_f), with e_k the edge opposite corner k (counter-clockwise)
and n the unit face normal. It is projected on the face's unit east direction
east_f = normalise(y x n) and north direction north_f = n x east_f, then averaged to the vertices
with weights A_f / sum of A over the faces around the vertex. The reference code takes the face
gradient of latitude as its (unnormalised) north vector; ours are unit vectors, so the results are
derivatives per unit arc length. Both are undefined exactly at the poles (east is arbitrary there).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from cnnbook.sphere.icosphere import check_level, icosphere

AREAS = ("voronoi", "barycentric", "none")

__all__ = ["MeshOperators", "mesh_operators", "face_gradient", "face_to_vertex", "east_north"]


class MeshOperators(NamedTuple):
    """The operators of :func:`mesh_operators` for one icosphere level.

    - ``laplacian``: (V, V) sparse cotangent Laplacian (normalised by ``vertex_area`` unless ``area="none"``);
    - ``d_ew``: (V, V) sparse east-west derivative (per unit arc length, positive eastwards);
    - ``d_ns``: (V, V) sparse north-south derivative (positive northwards);
    - ``vertex_area``: (V,) cell areas A_i of the chosen ``area`` kind (Voronoi for ``"none"``).
    """

    laplacian: sp.csr_matrix
    d_ew: sp.csr_matrix
    d_ns: sp.csr_matrix
    vertex_area: np.ndarray


def _flat_faces(level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    verts, faces = icosphere(level)
    corners = verts[faces]  # (F, 3, 3)
    cross = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    double_area = np.linalg.norm(cross, axis=1)
    normal = cross / double_area[:, None]
    return corners, normal, double_area / 2


@functools.lru_cache(maxsize=None)
def face_gradient(level: int) -> sp.csr_matrix:
    """Per-face gradient of the piecewise-linear interpolant, a (3F, V) sparse matrix.

    Rows 3f, 3f+1, 3f+2 hold the x, y, z components of grad F on face f:
    grad F = sum_k F_k (n x e_k) / (2 A_f), e_k = corner(k+2) - corner(k+1).
    """
    level = check_level(level)
    verts, faces = icosphere(level)
    corners, normal, area = _flat_faces(level)
    rows, cols, vals = [], [], []
    fidx = np.arange(len(faces))
    for k in range(3):
        edge = corners[:, (k + 2) % 3] - corners[:, (k + 1) % 3]
        g = np.cross(normal, edge) / (2 * area[:, None])  # (F, 3)
        for axis in range(3):
            rows.append(3 * fidx + axis)
            cols.append(faces[:, k])
            vals.append(g[:, axis])
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(3 * len(faces), len(verts)))


@functools.lru_cache(maxsize=None)
def east_north(level: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit east and north directions in the plane of each flat face, each of shape (F, 3)."""
    _, normal, _ = _flat_faces(check_level(level))
    east = np.cross(np.array([0.0, 1.0, 0.0]), normal)
    east /= np.linalg.norm(east, axis=1, keepdims=True)
    north = np.cross(normal, east)
    return east, north


@functools.lru_cache(maxsize=None)
def face_to_vertex(level: int) -> sp.csr_matrix:
    """Area-weighted average from faces to vertices, (V, F): weight A_f / sum of A around the vertex."""
    level = check_level(level)
    verts, faces = icosphere(level)
    _, _, area = _flat_faces(level)
    rows = faces.reshape(-1)
    cols = np.repeat(np.arange(len(faces)), 3)
    m = sp.csr_matrix((np.repeat(area, 3), (rows, cols)), shape=(len(verts), len(faces)))
    total = np.asarray(m.sum(axis=1)).ravel()
    return sp.diags(1.0 / total) @ m


def _project(directions: np.ndarray) -> sp.csr_matrix:
    """(F, 3F) matrix taking the stacked face gradients to their dot product with ``directions``."""
    f = len(directions)
    rows = np.repeat(np.arange(f), 3)
    cols = np.arange(3 * f)
    return sp.csr_matrix((directions.reshape(-1), (rows, cols)), shape=(f, 3 * f))


@functools.lru_cache(maxsize=None)
def _operators(level: int, area: str) -> MeshOperators:
    verts, faces = icosphere(level)
    corners, _, face_area = _flat_faces(level)
    rows, cols, vals = [], [], []
    for k in range(3):  # the angle at corner k is opposite the edge (k+1, k+2)
        i, j = faces[:, (k + 1) % 3], faces[:, (k + 2) % 3]
        a = corners[:, (k + 1) % 3] - corners[:, k]
        b = corners[:, (k + 2) % 3] - corners[:, k]
        cot = np.einsum("ij,ij->i", a, b) / np.linalg.norm(np.cross(a, b), axis=1)
        rows += [i, j]
        cols += [j, i]
        vals += [cot / 2, cot / 2]
    w = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(verts), len(verts)))
    cot_matrix = w - sp.diags(np.asarray(w.sum(axis=1)).ravel())
    if area == "barycentric":
        vertex_area = np.zeros(len(verts))
        np.add.at(vertex_area, faces.reshape(-1), np.repeat(face_area / 3, 3))
    else:
        coo = w.tocoo()
        length2 = ((verts[coo.row] - verts[coo.col]) ** 2).sum(axis=1)
        vertex_area = np.zeros(len(verts))
        np.add.at(vertex_area, coo.row, coo.data * length2 / 4)
    laplacian = cot_matrix if area == "none" else sp.diags(1.0 / vertex_area) @ cot_matrix
    grad = face_gradient(level)
    f2v = face_to_vertex(level)
    east, north = east_north(level)
    d_ew = f2v @ _project(east) @ grad
    d_ns = f2v @ _project(north) @ grad
    vertex_area.setflags(write=False)
    return MeshOperators(sp.csr_matrix(laplacian), sp.csr_matrix(d_ew), sp.csr_matrix(d_ns), vertex_area)


def mesh_operators(level: int, area: str = "voronoi") -> MeshOperators:
    """Laplacian and directional derivatives on the vertices of a level-``level`` icosphere.

    Returns a :class:`MeshOperators` of scipy CSR matrices of shape (V, V), V = 10 * 4**level + 2,
    to be applied as ``op @ F`` to vertex values F of shape (V,) or (V, K):

    - ``laplacian``: 1/A_i sum_j 1/2 (cot alpha_ij + cot beta_ij)(F_j - F_i), with A_i the Voronoi
      (default, the paper's formula) or barycentric cell area, or without 1/A_i (``area="none"``,
      as in the reference code); each row sums to 0;
    - ``d_ew``, ``d_ns``: face gradients projected on unit east / north, area-averaged to vertices.

    Results are cached per (level, area); do not modify them in place.
    """
    level = check_level(level)
    if area not in AREAS:
        raise ValueError(f"area must be one of {', '.join(repr(a) for a in AREAS)}, got {area!r}")
    return _operators(level, area)
