"""Fashion-MNIST, offline first.

Search order:
1. the Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``),
   or a folder given by ``root`` or the ``CNNBOOK_FASHION_MNIST`` environment variable
   that holds the four ``*-ubyte.gz`` files;
2. torchvision's normal download, only when ``download=True`` (with a short timeout, so it
   never hangs offline).

If neither works, :class:`FashionMNISTUnavailable` says how to get the data.
"""

from __future__ import annotations

import gzip
import os
import socket
from pathlib import Path

import numpy as np
import torch

__all__ = ["load_fashion_mnist", "FashionMNISTUnavailable", "FASHION_MNIST_CLASSES", "DEBIAN_DIR"]

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
_FILES = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


class FashionMNISTUnavailable(RuntimeError):
    """Raised when Fashion-MNIST is neither installed locally nor downloadable."""


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _candidate_dirs(root: str | os.PathLike | None) -> list[Path]:
    dirs = []
    if root is not None:
        dirs.append(Path(root))
    if os.environ.get("CNNBOOK_FASHION_MNIST"):
        dirs.append(Path(os.environ["CNNBOOK_FASHION_MNIST"]))
    dirs.append(DEBIAN_DIR)
    return dirs


def load_fashion_mnist(train: bool = True, root: str | os.PathLike | None = None,
                       download: bool = False, timeout: float = 10.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST as ``(images, labels)``.

    images: (N, 1, 28, 28) float32 in [0, 1]; labels: (N,) int64. N is 60,000 for ``train``
    and 10,000 for the test split.
    """
    if not isinstance(train, bool):
        raise TypeError(f"train must be True or False, got {train!r}")
    image_file, label_file = _FILES[train]
    for folder in _candidate_dirs(root):
        if (folder / image_file).is_file() and (folder / label_file).is_file():
            images = _read_idx(folder / image_file)
            labels = _read_idx(folder / label_file)
            return (torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1),
                    torch.from_numpy(labels.astype(np.int64)))
    if download:
        try:
            from torchvision.datasets import FashionMNIST

            old = socket.getdefaulttimeout()
            socket.setdefaulttimeout(timeout)
            try:
                cache = Path(root) if root is not None else Path.home() / ".cache" / "cnnbook"
                ds = FashionMNIST(str(cache), train=train, download=True)
            finally:
                socket.setdefaulttimeout(old)
            images = ds.data.numpy().astype(np.float32) / 255.0
            return torch.from_numpy(images).unsqueeze(1), ds.targets.clone().long()
        except Exception as exc:  # any network failure becomes the explanatory error below
            reason = f"the download failed ({type(exc).__name__}: {exc})"
    else:
        reason = "download=False"
    searched = ", ".join(str(d) for d in _candidate_dirs(root))
    raise FashionMNISTUnavailable(
        f"Fashion-MNIST was not found in {searched}, and {reason}. To get it offline, install the Debian "
        "package (sudo apt-get install dataset-fashion-mnist), or put the four *-ubyte.gz files in a folder "
        "and pass root= (or set CNNBOOK_FASHION_MNIST); with internet access, pass download=True."
    )
