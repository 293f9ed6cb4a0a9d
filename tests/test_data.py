"""Offline datasets: shapes, dtypes, ranges, determinism and clear errors."""

from __future__ import annotations

import gzip
import socket
import struct

import numpy as np
import pytest
import torch

import cnnbook.data as cdata
from cnnbook.data import fashion_mnist


def test_digits_are_1797_images_of_8x8_in_unit_range():
    images, labels = cdata.load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == torch.float32
    assert labels.shape == (1797,) and labels.dtype == torch.int64
    assert float(images.min()) == 0.0 and float(images.max()) == 1.0
    assert set(labels.tolist()) == set(range(10))


@pytest.mark.parametrize("name", ["camera", "astronaut", "coins"])
def test_photos_load_offline_as_floats_in_unit_range(name):
    image = cdata.load_photo(name, size=32)
    assert image.shape == (32, 32) and image.dtype == np.float64
    assert 0.0 <= image.min() and image.max() <= 1.0


def test_colour_photo_keeps_three_channels():
    assert cdata.load_photo("astronaut", gray=False, size=(16, 24)).shape == (16, 24, 3)


def test_unknown_photo_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="name must be one of .*camera"):
        cdata.load_photo("brain")


def test_shapes_are_deterministic_given_the_seed():
    a = cdata.make_shapes(5, size=32, radius=(2, 10), seed=3)
    b = cdata.make_shapes(5, size=32, radius=(2, 10), seed=3)
    c = cdata.make_shapes(5, size=32, radius=(2, 10), seed=4)
    assert torch.equal(a.images, b.images) and torch.equal(a.masks, b.masks)
    assert not torch.equal(a.masks, c.masks)


def test_shape_masks_cover_an_area_consistent_with_the_radius():
    data = cdata.make_shapes(60, size=48, radius=(3, 12), kinds=("disc",), noise=0.0, seed=1)
    area = data.masks.sum(dim=(1, 2, 3))
    expected = np.pi * data.sizes[:, 0] ** 2
    assert torch.allclose(area, expected.float(), rtol=0.25)
    # the shapes are bright and the background dark when there is no noise
    assert torch.all(data.images[data.masks.bool()] >= 0.6)
    assert torch.all(data.images[~data.masks.bool()] == 0)


def test_shapes_record_kinds_and_sizes_per_object():
    data = cdata.make_shapes(4, size=40, radius=(2, 8), objects_per_image=3, seed=0)
    assert data.kinds.shape == (4, 3) and data.sizes.shape == (4, 3)
    assert torch.all((data.sizes >= 2) & (data.sizes <= 8))
    assert len(data) == 4


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"n": 0}, "n must"), ({"n": 2, "radius": (5, 40)}, "radius"), ({"n": 2, "kinds": ("hexagon",)}, "kinds"),
     ({"n": 2, "size": 2}, "size"), ({"n": 2, "objects_per_image": 0}, "objects_per_image")],
)
def test_bad_shape_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        cdata.make_shapes(**kwargs)


def _write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_reads_local_idx_files(tmp_path):
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([1, 7, 9]))
    x, y = cdata.load_fashion_mnist(train=False, root=tmp_path)
    assert x.shape == (3, 1, 28, 28) and x.dtype == torch.float32
    assert torch.allclose(x[:, 0] * 255, torch.from_numpy(images).float())
    assert y.tolist() == [1, 7, 9]


def test_fashion_mnist_missing_offline_explains_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "absent")
    monkeypatch.delenv("CNNBOOK_FASHION_MNIST", raising=False)
    with pytest.raises(cdata.FashionMNISTUnavailable, match="apt-get install dataset-fashion-mnist"):
        cdata.load_fashion_mnist(root=tmp_path)


def test_fashion_mnist_download_failure_does_not_hang(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "absent")
    monkeypatch.delenv("CNNBOOK_FASHION_MNIST", raising=False)

    def refuse(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: refuse())
    with pytest.raises(cdata.FashionMNISTUnavailable, match="download failed"):
        cdata.load_fashion_mnist(root=tmp_path, download=True, timeout=2)
