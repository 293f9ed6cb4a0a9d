"""Each checker accepts a right answer and rejects a wrong one and a stub, without revealing the answer."""

import numpy as np
import pytest

import torch

from cnnbook.data.sphere_digits import make_sphere_digits
from cnnbook.exercises import spherical_mesh as ex
from cnnbook.sphere import face_neighbors, icosphere, mesh_operators
from cnnbook.sphere.icosphere import face_areas


def _phd_conv(x, weight, bias):
    table = torch.as_tensor(np.array(face_neighbors(int(np.log(x.shape[-1] // 20) / np.log(4) + 0.5))))
    return torch.einsum("ncfk,ock->nof", x[:, :, table], weight) + bias[:, None]


def _rayleigh(level):
    verts, _ = icosphere(level)
    f = verts[:, 0] * verts[:, 1]
    return f @ (mesh_operators(level).laplacian @ f) / (f @ f)


def stub(*args):
    raise NotImplementedError


RIGHT = {
    "check_mesh_counts": lambda level: (10 * 4**level + 2, 30 * 4**level, 20 * 4**level),
    "check_area_ratio": lambda level: face_areas(level).max() / face_areas(level).min(),
    "check_kernel_faces_at_level_0": 10,
    "check_phd_avg_pool": lambda x: x.reshape(x.shape[0], x.shape[1], -1, 4).mean(-1),
    "check_equirect_area_ratio": lambda h, w: np.cos(np.pi / 2 - np.pi / (2 * h)) and (
        (np.sin(np.pi / 2 - np.pi * np.arange(h // 2 + 1) / h)[h // 2 - 1] - np.sin(np.pi / 2 - np.pi * (h // 2) / h))
        / (1 - np.sin(np.pi / 2 - np.pi / h))),
    "check_phdconv_params": lambda cin, cout: 10 * cin * cout + cout,
    "check_phd_conv": _phd_conv,
    "check_digit_faces": lambda fov: int((make_sphere_digits(1, level=3, fov=fov).faces > 0).sum()),
    "check_meshconv_params": lambda cin, cout: 4 * cin * cout + cout,
    "check_vertex_pool": lambda x: x[..., : (x.shape[-1] - 2) // 4 + 2],
    "check_laplacian_eigenvalue": _rayleigh,
}
WRONG = {
    "check_mesh_counts": lambda level: (10 * 4**level, 30 * 4**level, 20 * 4**level),
    "check_area_ratio": lambda level: 1.0,
    "check_kernel_faces_at_level_0": 13,
    "check_phd_avg_pool": lambda x: x.reshape(x.shape[0], x.shape[1], -1, 4).amax(-1),
    "check_equirect_area_ratio": lambda h, w: 1.0,
    "check_phdconv_params": lambda cin, cout: 9 * cin * cout + cout,
    "check_phd_conv": lambda x, w, b: _phd_conv(x, w.flip(-1), b),
    "check_digit_faces": lambda fov: int((make_sphere_digits(1, level=3, fov=fov).faces > 0.5).sum()),
    "check_meshconv_params": lambda cin, cout: 4 * cin * cout,
    "check_vertex_pool": lambda x: x[..., : (x.shape[-1] - 2) // 4],
    "check_laplacian_eigenvalue": lambda level: -6.0,
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_checker(name, capsys):
    checker = getattr(ex, name)
    assert checker(RIGHT[name]).status == "correct"
    wrong = checker(WRONG[name])
    assert wrong.status in ("wrong_value", "wrong_shape")
    assert checker(stub).status == "not_implemented"
    printed = capsys.readouterr().out
    assert "20.35" not in printed  # the equirectangular ratio at 32 x 64 is never shown
    assert set(ex.__all__) == set(RIGHT)
