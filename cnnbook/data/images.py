"""Images and small datasets that ship inside installed packages (no download)."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["load_digits", "load_photo", "PHOTOS"]

#: scikit-image sample photographs that ship inside its wheel (the others need a download).
PHOTOS = ("astronaut", "camera", "coins", "cat", "chelsea", "coffee", "rocket", "moon",
          "page", "text", "horse", "hubble_deep_field", "immunohistochemistry", "clock")


def load_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's bundled handwritten digits.

    Returns ``(images, labels)``: images of shape (1797, 1, 8, 8), float32 in [0, 1];
    labels of shape (1797,), int64 in 0..9.
    """
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    images = torch.from_numpy((bunch.images / 16.0).astype(np.float32)).unsqueeze(1)
    labels = torch.from_numpy(bunch.target.astype(np.int64))
    return images, labels


def load_photo(name: str = "camera", gray: bool = True, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """One of scikit-image's bundled photographs as float64 in [0, 1].

    Returns (H, W) when ``gray`` (colour photos are converted with luminance weights),
    else (H, W, 3). ``size`` resizes with anti-aliasing to ``size`` x ``size`` or (H, W).
    """
    import skimage
    from skimage import color, transform

    if name not in PHOTOS:
        raise ValueError(f"name must be one of {', '.join(PHOTOS)}; got {name!r}")
    image = getattr(skimage.data, name)()
    image = skimage.util.img_as_float(image)
    if image.ndim == 3 and image.shape[-1] == 4:
        image = color.rgba2rgb(image)
    if gray and image.ndim == 3:
        image = color.rgb2gray(image)
    if not gray and image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    if size is not None:
        shape = (size, size) if isinstance(size, int) else tuple(size)
        if len(shape) != 2 or min(shape) < 1:
            raise ValueError(f"size must be a positive int or an (H, W) pair, got {size!r}")
        image = transform.resize(image, shape + image.shape[2:], anti_aliasing=True)
    return np.clip(image, 0.0, 1.0)
