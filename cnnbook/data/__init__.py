"""Offline-first datasets and images. Nothing here downloads unless you ask for it.

- :func:`load_digits`: scikit-learn's 1,797 bundled 8x8 handwritten digits, as tensors.
- :func:`load_photo` / :data:`PHOTOS`: scikit-image's bundled sample photographs.
- :func:`load_fashion_mnist`: the real Fashion-MNIST, from the Debian package
  ``dataset-fashion-mnist`` when installed, else torchvision's download when online.
- :func:`make_shapes`: synthetic discs, squares and triangles with masks, for segmentation.
"""

from cnnbook.data.fashion_mnist import FASHION_MNIST_CLASSES, FashionMNISTUnavailable, load_fashion_mnist
from cnnbook.data.images import PHOTOS, load_digits, load_photo
from cnnbook.data.shapes import ShapesDataset, make_shapes

__all__ = [
    "load_digits",
    "load_photo",
    "PHOTOS",
    "load_fashion_mnist",
    "FashionMNISTUnavailable",
    "FASHION_MNIST_CLASSES",
    "make_shapes",
    "ShapesDataset",
]
