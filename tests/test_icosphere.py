"""Icosphere construction, SpherePHD neighbour tables, children and equirectangular sampling."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cnnbook.sphere import (face_children, face_neighbors, icosphere, pixel_to_direction,
                            sample_equirect_on_faces, sample_equirect_on_vertices)
from cnnbook.sphere.icosphere import face_areas, face_centers, level_of


@pytest.mark.parametrize("level", range(5))
def test_counts_and_unit_vertices(level):
    verts, faces = icosphere(level)
    assert verts.shape == (10 * 4**level + 2, 3)
    assert faces.shape == (20 * 4**level, 3)
    np.testing.assert_allclose(np.linalg.norm(verts, axis=1), 1.0, atol=1e-12)
    edges = {tuple(sorted(e)) for f in faces for e in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0]))}
    assert len(edges) == 30 * 4**level  # Euler: V - E + F = 2
    np.testing.assert_allclose(face_areas(level).sum(), 4 * np.pi, rtol=1e-12)


@pytest.mark.parametrize("level", range(1, 5))
def test_vertices_are_coarse_first(level):
    coarse, _ = icosphere(level - 1)
    fine, _ = icosphere(level)
    np.testing.assert_array_equal(fine[:len(coarse)], coarse)


@pytest.mark.parametrize("level", range(5))
def test_faces_point_outwards(level):
    verts, faces = icosphere(level)
    a, b, c = (verts[faces[:, k]] for k in range(3))
    assert (np.einsum("ij,ij->i", np.cross(b - a, c - a), a + b + c) > 0).all()


@pytest.mark.parametrize("level", range(5))
def test_neighbour_rows_are_ten_distinct_faces_starting_with_self(level):
    table = face_neighbors(level)
    _, faces = icosphere(level)
    assert table.shape == (len(faces), 10)
    np.testing.assert_array_equal(table[:, 0], np.arange(len(faces)))
    assert all(len(set(row)) == 10 for row in table)
    # positions 1-3 share an edge with the face (across (p, r), (p, q), (q, r)); 4-9 share one corner
    for k, (i, j) in zip((1, 2, 3), ((0, 2), (0, 1), (1, 2))):
        shared = [set(faces[n]) & set(f) for n, f in zip(table[:, k], faces)]
        assert all(s == {f[i], f[j]} for s, f in zip(shared, faces))
    for k in range(4, 10):
        assert all(len(set(faces[n]) & set(f)) == 1 for n, f in zip(table[:, k], faces))


def test_kernel_at_an_original_vertex_uses_five_faces_around_it():
    """Around each of the 12 valence-5 vertices the kernel of an incident face covers all 5 faces."""
    verts, faces = icosphere(3)
    table = face_neighbors(3)
    for v in range(12):
        fan = np.flatnonzero((faces == v).any(axis=1))
        assert len(fan) == 5
        for f in fan:
            assert set(fan) <= set(table[f])


def test_kernel_layout_is_the_same_for_up_and_down_faces():
    """In each face's frame (apex direction up), kernel position k sits at nearly the same offset."""
    level = 4
    verts, faces = icosphere(level)
    c = face_centers(level)
    apex = verts[faces[:, 0]]
    up = apex - c * np.einsum("ij,ij->i", apex, c)[:, None]
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    side = np.cross(c, up)
    rel = c[face_neighbors(level)] - c[:, None]
    coords = np.stack([np.einsum("fkj,fj->fk", rel, up), np.einsum("fkj,fj->fk", rel, side)], -1)
    coords /= np.sqrt(4 * np.pi / len(faces))  # in units of the typical pixel size
    spread = np.abs(coords - np.median(coords, axis=0))
    # centre-child (downward) faces and corner (upward) faces share the layout
    down = np.arange(len(faces)) % 4 == 3
    assert np.median(spread[down]) < 0.1 and np.median(spread[~down]) < 0.1
    np.testing.assert_allclose(np.median(coords[down], 0), np.median(coords[~down], 0), atol=0.1)


@pytest.mark.parametrize("level", range(1, 5))
def test_children_partition_all_faces(level):
    children = face_children(level)
    assert children.shape == (20 * 4**(level - 1), 4)
    np.testing.assert_array_equal(np.sort(children.ravel()), np.arange(20 * 4**level))
    # each child's centre lies inside its parent's spherical triangle
    verts, parents = icosphere(level - 1)
    inside = face_centers(level)[children]  # (P, 4, 3)
    for k in range(3):
        a, b = verts[parents[:, k]], verts[parents[:, (k + 1) % 3]]
        assert (np.einsum("pj,pcj->pc", np.cross(a, b), inside) > 0).all()


@settings(deadline=None, max_examples=15)
@given(a=st.floats(-2, 2), b=st.floats(-2, 2), c=st.floats(-2, 2), level=st.integers(0, 3))
def test_sampling_a_linear_function_of_direction(a, b, c, level):
    """A smooth image f(d) = a x + b y + c z is recovered at face centres and vertices.

    The error is bilinear interpolation plus, at the poles, the half-row gap above the top row
    (latitude 90 - 180/(2H) degrees): about 0.025 (|a| + |b| + |c|) for H = 64."""
    height, width = 64, 128
    d = pixel_to_direction(height, width)
    image = d @ np.array([a, b, c])
    verts, _ = icosphere(level)
    tol = 0.03 * (abs(a) + abs(b) + abs(c)) + 1e-9
    np.testing.assert_allclose(sample_equirect_on_vertices(image, level), verts @ [a, b, c], atol=tol)
    np.testing.assert_allclose(sample_equirect_on_faces(image, level), face_centers(level) @ [a, b, c], atol=tol)


def test_sampling_keeps_leading_dimensions():
    image = np.random.default_rng(0).random((2, 3, 16, 32))
    assert sample_equirect_on_faces(image, 2).shape == (2, 3, 320)
    assert sample_equirect_on_vertices(image, 2).shape == (2, 3, 162)


def test_level_of():
    assert [level_of(20 * 4**l) for l in range(5)] == list(range(5))
    assert level_of(642, "vertices") == 3


@pytest.mark.parametrize("fn", [icosphere, face_neighbors])
def test_bad_level(fn):
    with pytest.raises(ValueError, match="level"):
        fn(-1)
    with pytest.raises(TypeError, match="level"):
        fn(1.5)
    with pytest.raises(TypeError, match="level"):
        fn(True)


def test_bad_inputs():
    with pytest.raises(ValueError, match="level"):
        face_children(0)
    with pytest.raises(ValueError, match="image"):
        sample_equirect_on_faces(np.zeros(5), 1)
    with pytest.raises(TypeError, match="image"):
        sample_equirect_on_vertices("abc", 1)
    with pytest.raises(ValueError, match="faces"):
        level_of(100)
