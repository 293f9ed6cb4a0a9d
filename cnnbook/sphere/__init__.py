"""Spherical geometry and operations for 360-degree images.

- ``equirect.py`` (part 1): ``pixel_to_direction``, ``direction_to_pixel``, ``pixel_solid_angle``,
  ``equirect_to_perspective``
- ``render.py`` (part 1): ``render_equirect``
- ``icosphere.py`` (part 2): ``icosphere``, ``face_neighbors``, ``face_children``,
  ``sample_equirect_on_faces``, ``sample_equirect_on_vertices``
- ``mesh_ops.py`` (part 2): ``mesh_operators``
"""

from cnnbook.sphere.equirect import (
    direction_to_pixel,
    equirect_to_perspective,
    pixel_solid_angle,
    pixel_to_direction,
)
from cnnbook.sphere.icosphere import (
    face_children,
    face_neighbors,
    icosphere,
    sample_equirect_on_faces,
    sample_equirect_on_vertices,
)
from cnnbook.sphere.mesh_ops import mesh_operators
from cnnbook.sphere.render import render_equirect

__all__ = [
    "pixel_to_direction",
    "direction_to_pixel",
    "pixel_solid_angle",
    "equirect_to_perspective",
    "render_equirect",
    "icosphere",
    "face_neighbors",
    "face_children",
    "sample_equirect_on_faces",
    "sample_equirect_on_vertices",
    "mesh_operators",
]
