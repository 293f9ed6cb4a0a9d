"""Cotangent Laplacian and directional derivatives on the icosphere (UGSCNN's operators)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cnnbook.sphere import icosphere, mesh_operators


def _lat_lon(verts):
    x, y, z = verts.T
    return np.arcsin(np.clip(y, -1, 1)), np.arctan2(x, z)


@pytest.mark.parametrize("area", ["voronoi", "barycentric", "none"])
def test_laplacian_of_constant_is_zero_and_symmetric_weights(area):
    ops = mesh_operators(3, area)
    np.testing.assert_allclose(ops.laplacian @ np.ones(642), 0, atol=1e-10)
    cot = mesh_operators(3, "none").laplacian
    np.testing.assert_allclose((cot - cot.T).toarray(), 0, atol=1e-12)


def _laplacian_error(level, area="voronoi"):
    verts, _ = icosphere(level)
    z = verts[:, 1]
    return np.abs(mesh_operators(level, area).laplacian @ z + 2 * z).max()


def test_laplacian_of_degree_one_harmonic_converges_at_first_order():
    """Delta z = -2 z; the max error halves (h halves) with each level: measured ratio ~2.0."""
    errors = [_laplacian_error(level) for level in (2, 3, 4, 5)]
    assert errors[-1] < 5e-3
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert (ratios > 1.8).all(), ratios


def test_barycentric_area_does_not_converge_at_valence_five_vertices():
    """The documented reason for the Voronoi default: the barycentric error stalls near 0.29."""
    errors = [_laplacian_error(level, "barycentric") for level in (3, 4, 5)]
    assert min(errors) > 0.25


@settings(deadline=None, max_examples=10)
@given(a=st.floats(-3, 3), b=st.floats(-3, 3), c=st.floats(-3, 3))
def test_laplacian_is_linear_and_kills_degree_one_harmonics(a, b, c):
    verts, _ = icosphere(4)
    f = verts @ np.array([a, b, c])
    np.testing.assert_allclose(mesh_operators(4).laplacian @ f, -2 * f, atol=0.01 * (abs(a) + abs(b) + abs(c)) + 1e-9)


@pytest.mark.parametrize("level", [3, 4, 5])
def test_derivatives_of_latitude(level):
    verts, _ = icosphere(level)
    phi, _ = _lat_lon(verts)
    away = np.abs(phi) < np.radians(60)
    ops = mesh_operators(level)
    tol = 0.01 * 2.0 ** (3 - level)
    np.testing.assert_allclose((ops.d_ns @ phi)[away], 1.0, atol=tol)  # northwards, per unit arc
    np.testing.assert_allclose((ops.d_ew @ phi)[away], 0.0, atol=tol)


@pytest.mark.parametrize("level", [3, 4, 5])
def test_derivatives_of_a_longitude_function(level):
    """f = sin(lambda): d_EW f = cos(lambda) / cos(phi), d_NS f = 0 (arc length east is cos(phi) d lambda)."""
    verts, _ = icosphere(level)
    phi, lam = _lat_lon(verts)
    away = np.abs(phi) < np.radians(60)
    ops = mesh_operators(level)
    tol = 0.05 * 2.0 ** (3 - level)
    np.testing.assert_allclose((ops.d_ew @ np.sin(lam))[away], (np.cos(lam) / np.cos(phi))[away], atol=tol)
    np.testing.assert_allclose((ops.d_ns @ np.sin(lam))[away], 0.0, atol=tol)


def test_longitude_itself_has_derivative_one_over_cos_latitude_away_from_the_seam():
    """f = lambda (discontinuous at lambda = +-pi): d_EW f = 1 / cos(phi) away from the seam and poles."""
    verts, _ = icosphere(4)
    phi, lam = _lat_lon(verts)
    keep = (np.abs(phi) < np.radians(60)) & (np.abs(lam) < np.pi - 0.2)
    ops = mesh_operators(4)
    np.testing.assert_allclose((ops.d_ew @ lam)[keep], (1 / np.cos(phi))[keep], rtol=0.02)
    np.testing.assert_allclose((ops.d_ns @ lam)[keep], 0.0, atol=0.02)


def test_bad_inputs():
    with pytest.raises(ValueError, match="area"):
        mesh_operators(2, "cotan")
    with pytest.raises(ValueError, match="level"):
        mesh_operators(99)
    with pytest.raises(TypeError, match="level"):
        mesh_operators("2")


# ---------------------------------------------------------------------------------------------
# the three building blocks: face gradients, face-to-vertex averaging, east/north frames
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("level", [0, 1, 3])
def test_face_gradient_is_exact_on_linear_functions(level):
    """A linear function F(x) = a·x restricted to a flat face has gradient a minus its normal part."""
    from cnnbook.sphere.mesh_ops import face_gradient

    verts, faces = icosphere(level)
    a = np.array([0.3, -1.2, 0.7])
    grad = (face_gradient(level) @ (verts @ a)).reshape(-1, 3)
    corners = verts[faces]
    normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    want = a - (normal @ a)[:, None] * normal
    np.testing.assert_allclose(grad, want, atol=1e-10)
    np.testing.assert_allclose(face_gradient(level) @ np.ones(len(verts)), 0, atol=1e-10)  # constants: 0


@pytest.mark.parametrize("level", [0, 2])
def test_face_to_vertex_is_an_area_weighted_average(level):
    from cnnbook.sphere.mesh_ops import face_to_vertex

    verts, faces = icosphere(level)
    m = face_to_vertex(level)
    assert m.shape == (len(verts), len(faces))
    np.testing.assert_allclose(np.asarray(m.sum(axis=1)).ravel(), 1.0, atol=1e-12)   # rows average
    assert (m.data > 0).all()
    touching = np.zeros((len(verts), len(faces)), dtype=bool)   # non-zero exactly on the faces around a vertex
    touching[faces.ravel(), np.repeat(np.arange(len(faces)), 3)] = True
    np.testing.assert_array_equal(m.toarray() > 0, touching)
    corners = verts[faces]
    area = np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1) / 2
    v = faces[0, 0]
    around = touching[v]
    np.testing.assert_allclose(m[v].toarray().ravel()[around], area[around] / area[around].sum(), rtol=1e-12)


@pytest.mark.parametrize("level", [1, 3])
def test_east_north_is_a_right_handed_frame_in_each_face(level):
    from cnnbook.sphere.mesh_ops import east_north

    verts, faces = icosphere(level)
    east, north = east_north(level)
    corners = verts[faces]
    normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    np.testing.assert_allclose(np.linalg.norm(east, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(north, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.einsum("ij,ij->i", east, north), 0, atol=1e-12)
    np.testing.assert_allclose(np.einsum("ij,ij->i", east, normal), 0, atol=1e-12)   # in the face's plane
    np.testing.assert_allclose(np.cross(east, north), normal, atol=1e-12)            # east x north = outward n
    assert (east[:, 1] == 0).all()                                                    # east is horizontal
    assert (north[:, 1] > 0).all()                                                    # north points up (+y)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_rescaled_meshconv_is_the_plain_layer_with_coefficients_scaled_by_powers_of_the_edge_length(level):
    import torch
    from cnnbook.nn.mesh import MeshConv, mesh_edge_length

    torch.manual_seed(level)
    plain = MeshConv(3, 2, level).double()
    torch.manual_seed(level)
    rescaled = MeshConv(3, 2, level, rescale=True).double()
    h = mesh_edge_length(level)
    with torch.no_grad():
        plain.coeffs.copy_(rescaled.coeffs * torch.tensor([1.0, h ** 2, h, h], dtype=torch.float64))
    x = torch.randn(4, 3, 10 * 4 ** level + 2, dtype=torch.float64)
    torch.testing.assert_close(rescaled(x), plain(x))


@pytest.mark.parametrize("level", [2, 3, 4])
def test_rescaled_operators_are_of_order_one_while_the_plain_laplacian_grows_fourfold_per_level(level):
    import torch
    from cnnbook.nn.mesh import MeshConv

    def largest_row_sums(layer):
        dense = layer.operators.to_dense().abs().reshape(3, layer.num_vertices, -1).sum(-1)
        return dense.max(dim=1).values  # (Laplacian, EW, NS)

    rescaled = largest_row_sums(MeshConv(1, 1, level, rescale=True))
    assert (rescaled < 12).all() and (rescaled > 0.5).all()
    plain = largest_row_sums(MeshConv(1, 1, level))[0]
    assert plain > 4 ** level * 5


def test_mesh_edge_length_halves_per_level_and_rescale_must_be_a_bool():
    from cnnbook.nn.mesh import MeshConv, mesh_edge_length

    assert abs(mesh_edge_length(0) - 1.0515) < 1e-3   # the icosahedron's chord on the unit sphere
    ratios = [mesh_edge_length(l) / mesh_edge_length(l + 1) for l in range(4)]
    assert all(1.8 < r < 2.0 for r in ratios)
    with pytest.raises(TypeError, match="rescale"):
        MeshConv(1, 1, 2, rescale=1)
