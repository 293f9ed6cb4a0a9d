"""Checkers for the exercises of the chapter "Spherical images", part 2 (icosahedral meshes):
``book/spherical/polyhedral.ipynb`` (and the SpherePHD / mesh-convolution notebooks).

Every reference is computed with the package (``cnnbook.sphere``, ``cnnbook.nn``) when the checker
runs; no checker prints it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from cnnbook.exercises._core import Verdict, check
from cnnbook.nn.polyhedral import PHDPool
from cnnbook.sphere.icosphere import face_areas, face_neighbors, icosphere
from cnnbook.sphere.equirect import pixel_solid_angle

__all__ = [
    "check_mesh_counts",
    "check_area_ratio",
    "check_kernel_faces_at_level_0",
    "check_phd_avg_pool",
    "check_equirect_area_ratio",
]


def _counts(level: int) -> tuple[int, int, int]:
    verts, faces = icosphere(level)
    edges = {tuple(sorted(e)) for f in faces for e in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0]))}
    return len(verts), len(edges), len(faces)


def check_mesh_counts(answer: Any) -> Verdict:
    """Exercise 'Counting pixels': a function level -> (vertices, edges, faces)."""
    return check(answer, _counts, cases=[(0,), (1,), (3,), (5,)], name="mesh_counts")


def _area_ratio(level: int) -> float:
    area = face_areas(level)
    return float(area.max() / area.min())


def check_area_ratio(answer: Any) -> Verdict:
    """Exercise 'How uniform are the triangles?': a function level -> largest / smallest face area."""
    return check(answer, _area_ratio, cases=[(1,), (2,), (4,)], name="area_ratio", rtol=1e-6)


def check_kernel_faces_at_level_0(answer: Any) -> Verdict:
    """Exercise 'The kernel on the icosahedron': how many faces touch a level-0 face (itself included)."""
    _, faces = icosphere(0)
    touching = int(np.sum([len(set(g) & set(faces[0])) > 0 for g in faces]))
    assert touching == len(set(face_neighbors(0)[0]))
    return check(answer, touching, name="number of faces")


def check_phd_avg_pool(answer: Any) -> Verdict:
    """Exercise 'Average pooling by reshaping': a function (N, C, F) tensor -> (N, C, F/4) means."""
    gen = torch.Generator().manual_seed(3)
    cases = [(torch.randn(2, 3, 80, generator=gen, dtype=torch.float64),),
             (torch.randn(1, 1, 1280, generator=gen, dtype=torch.float64),)]
    pool = PHDPool("avg")
    return check(answer, lambda x: pool(x), cases=cases, name="phd_avg_pool")


def _equirect_ratio(height: int, width: int) -> float:
    area = pixel_solid_angle(height, width)
    return float(area.max() / area.min())


def check_equirect_area_ratio(answer: Any) -> Verdict:
    """Exercise 'How uniform are equirectangular pixels?': a function (H, W) -> largest / smallest pixel solid angle."""
    return check(answer, _equirect_ratio, cases=[(8, 16), (32, 64), (90, 180)], name="equirect_area_ratio",
                 rtol=1e-6)
