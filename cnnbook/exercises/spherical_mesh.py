"""Checkers for the exercises of the chapter "Spherical images", part 2 (icosahedral meshes):
``book/spherical/polyhedral.ipynb``, ``book/spherical/spherephd.ipynb`` and
``book/spherical/mesh-conv.ipynb``.

Every reference is computed with the package (``cnnbook.sphere``, ``cnnbook.nn``) when the checker
runs; no checker prints it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.nn.mesh import MeshConv, MeshPool
from cnnbook.nn.polyhedral import PHDConv, PHDPool
from cnnbook.sphere.icosphere import face_areas, face_neighbors, icosphere
from cnnbook.sphere.equirect import pixel_solid_angle
from cnnbook.sphere.mesh_ops import mesh_operators

__all__ = [
    "check_mesh_counts",
    "check_area_ratio",
    "check_kernel_faces_at_level_0",
    "check_phd_avg_pool",
    "check_equirect_area_ratio",
    "check_phdconv_params",
    "check_phd_conv",
    "check_digit_faces",
    "check_meshconv_params",
    "check_vertex_pool",
    "check_laplacian_eigenvalue",
]


def _counts(level: int) -> tuple[int, int, int]:
    verts, faces = icosphere(level)
    edges = {tuple(sorted(e)) for f in faces for e in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0]))}
    return len(verts), len(edges), len(faces)


@checker
def check_mesh_counts(answer: Any) -> Verdict:
    """Exercise 'Counting pixels': a function level -> (vertices, edges, faces)."""
    return check(answer, _counts, cases=[(0,), (1,), (3,), (5,)], name="mesh_counts", forbidden=(icosphere,))


def _area_ratio(level: int) -> float:
    area = face_areas(level)
    return float(area.max() / area.min())


@checker
def check_area_ratio(answer: Any) -> Verdict:
    """Exercise 'How uniform are the triangles?': a function level -> largest / smallest face area."""
    return check(answer, _area_ratio, cases=[(1,), (2,), (4,)], name="area_ratio", rtol=1e-6)


@checker
def check_kernel_faces_at_level_0(answer: Any) -> Verdict:
    """Exercise 'The kernel on the icosahedron': how many faces touch a level-0 face (itself included)."""
    _, faces = icosphere(0)
    touching = int(np.sum([len(set(g) & set(faces[0])) > 0 for g in faces]))
    assert touching == len(set(face_neighbors(0)[0]))
    return check(answer, touching, name="number of faces")


@checker
def check_phd_avg_pool(answer: Any) -> Verdict:
    """Exercise 'Average pooling by reshaping': a function (N, C, F) tensor -> (N, C, F/4) means."""
    gen = torch.Generator().manual_seed(3)
    cases = [(torch.randn(2, 3, 80, generator=gen, dtype=torch.float64),),
             (torch.randn(1, 1, 1280, generator=gen, dtype=torch.float64),)]
    pool = PHDPool("avg")
    return check(answer, lambda x: pool(x), cases=cases, name="phd_avg_pool",
                 forbidden=(PHDPool, F.avg_pool1d))


def _equirect_ratio(height: int, width: int) -> float:
    area = pixel_solid_angle(height, width)
    return float(area.max() / area.min())


@checker
def check_equirect_area_ratio(answer: Any) -> Verdict:
    """Exercise 'How uniform are equirectangular pixels?': a function (H, W) -> largest / smallest pixel solid angle."""
    return check(answer, _equirect_ratio, cases=[(8, 16), (32, 64), (90, 180)], name="equirect_area_ratio",
                 rtol=1e-6)


def _n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@checker
def check_phdconv_params(answer: Any) -> Verdict:
    """Exercise 'Counting SpherePHD weights': a function (in_channels, out_channels) -> parameter count."""
    return check(answer, lambda cin, cout: _n_params(PHDConv(cin, cout)),
                 cases=[(1, 16), (16, 32), (32, 10), (3, 7)], name="phdconv_params", forbidden=(PHDConv,))


def _phd_conv_reference(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    conv = PHDConv(weight.shape[1], weight.shape[0]).to(x.dtype)
    with torch.no_grad():
        conv.weight.copy_(weight)
        conv.bias.copy_(bias)
        return conv(x)


@checker
def check_phd_conv(answer: Any) -> Verdict:
    """Exercise 'SpherePHD convolution by hand': a function (x, weight, bias) -> PHDConv output.

    x (N, C_in, F), weight (C_out, C_in, 10), bias (C_out) -> (N, C_out, F).
    """
    gen = torch.Generator().manual_seed(5)
    cases = []
    for n, cin, cout, level in ((2, 3, 4, 1), (1, 1, 2, 2), (3, 2, 1, 0)):
        cases.append((torch.randn(n, cin, 20 * 4**level, generator=gen, dtype=torch.float64),
                      torch.randn(cout, cin, 10, generator=gen, dtype=torch.float64),
                      torch.randn(cout, generator=gen, dtype=torch.float64)))
    return check(answer, _phd_conv_reference, cases=cases, name="phd_conv", rtol=1e-10, atol=1e-10,
                 forbidden=(PHDConv,))


def _digit_faces(fov: float) -> int:
    from cnnbook.data.sphere_digits import make_sphere_digits  # the data module imports cnnbook.sphere

    return int((make_sphere_digits(1, level=3, fov=fov).faces > 0).sum())


@checker
def check_digit_faces(answer: Any) -> Verdict:
    """Exercise 'How many triangles does a digit cover?': a function fov -> number of level-3
    faces with a nonzero value for the first digit (unrotated)."""
    return check(answer, _digit_faces, cases=[(0.6,), (1.0,), (1.4,)], name="digit_faces")


@checker
def check_meshconv_params(answer: Any) -> Verdict:
    """Exercise 'Counting MeshConv weights': a function (in_channels, out_channels) -> parameter count."""
    return check(answer, lambda cin, cout: _n_params(MeshConv(cin, cout, 0)),
                 cases=[(1, 16), (16, 32), (32, 10), (3, 7)], name="meshconv_params", forbidden=(MeshConv,))


@checker
def check_vertex_pool(answer: Any) -> Verdict:
    """Exercise 'Pooling by forgetting vertices': a function (N, C, V_l) tensor -> (N, C, V_{l-1})."""
    gen = torch.Generator().manual_seed(7)
    cases = [(torch.randn(2, 3, 162, generator=gen, dtype=torch.float64),),
             (torch.randn(1, 1, 642, generator=gen, dtype=torch.float64),),
             (torch.randn(1, 2, 42, generator=gen, dtype=torch.float64),)]
    pool = MeshPool()
    return check(answer, lambda x: pool(x), cases=cases, name="vertex_pool", forbidden=(MeshPool,))


def _rayleigh_xy(level: int) -> float:
    verts, _ = icosphere(level)
    f = verts[:, 0] * verts[:, 1]
    return float(f @ (mesh_operators(level).laplacian @ f) / (f @ f))


@checker
def check_laplacian_eigenvalue(answer: Any) -> Verdict:
    """Exercise 'A degree-2 harmonic': a function level -> (f . L f) / (f . f) for f = x y at the
    vertices, L the mesh Laplacian of :func:`cnnbook.sphere.mesh_operators`."""
    return check(answer, _rayleigh_xy, cases=[(2,), (3,), (4,)], name="laplacian_eigenvalue", rtol=1e-6)
