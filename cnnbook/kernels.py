"""Classic hand-made kernels (chapter "A first look at convolution") and a helper to apply one.

All kernels are NumPy arrays of shape (k, k), written for cross-correlation (the operation
``torch.nn.functional.conv2d`` computes): the hand-made ones in float32, and
:func:`bilinear_kernel` (chapter "Transposed and gated convolution"), the float64 weights that
make a transposed convolution a bilinear upsampler.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook._validation import integer, odd_positive_int

__all__ = ["identity_kernel", "box_kernel", "gaussian_kernel", "sobel_kernels", "sharpen_kernel", "filter2d", "bilinear_kernel"]


def identity_kernel(size: int = 3) -> np.ndarray:
    """A (size, size) kernel with a single 1 in the centre: filtering with it changes nothing."""
    odd_positive_int(size, "size")
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, size // 2] = 1.0
    return kernel


def box_kernel(size: int = 3) -> np.ndarray:
    """The box blur: every weight is 1/size², so each output is the mean of a size x size patch."""
    odd_positive_int(size, "size")
    return np.full((size, size), 1.0 / size**2, np.float32)


def gaussian_kernel(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """A sampled Gaussian exp(-(u² + v²) / 2σ²), normalised to sum to 1."""
    odd_positive_int(size, "size")
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    r = np.arange(size) - size // 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return (g / g.sum()).astype(np.float32)


def sobel_kernels() -> tuple[np.ndarray, np.ndarray]:
    """The Sobel pair (g_x, g_y): g_x responds to intensity rising left to right, g_y top to bottom.

    g_x = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] and g_y is its transpose. Both sum to 0.
    """
    gx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
    return gx, gx.T.copy()


def sharpen_kernel(amount: float = 1.0) -> np.ndarray:
    """identity + amount * (identity - cross-shaped mean): boosts a pixel against its 4 neighbours.

    With amount=1 this is [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]. The weights sum to 1, so flat
    regions are unchanged.
    """
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.float32) / 5.0
    identity = identity_kernel(3)
    return (identity + amount * 5.0 * (identity - cross)).astype(np.float32)


def filter2d(image, kernel, padding: int | str = "same") -> np.ndarray:
    """Cross-correlate one grey image (H, W) with one kernel (k, k) using ``torch.nn.functional.conv2d``.

    This is the reshaping the first chapter does by hand: the image becomes a (1, 1, H, W) batch,
    the kernel a (1, 1, k, k) weight. ``padding`` is passed on (zero padding). Returns (H', W').
    """
    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D (k, k), got shape {kernel.shape}")
    x = torch.from_numpy(image)[None, None]
    w = torch.from_numpy(kernel)[None, None]
    return F.conv2d(x, w, padding=padding)[0, 0].numpy()


def bilinear_kernel(factor: int = 2) -> np.ndarray:
    """The (2f, 2f) kernel that makes ``conv_transpose2d(x, w, stride=f, padding=f // 2)`` a bilinear ×f upsampler.

    1-D weights: w[u] = 1 - |u - (f - 1/2)| / f for u = 0..2f-1 (for f = 2: [1, 3, 3, 1]/4);
    the 2-D kernel is their outer product. ``factor`` must be an even positive int. Away from
    the border the result equals ``F.interpolate(x, scale_factor=f, mode='bilinear',
    align_corners=False)``; at the border the transposed conv sees zeros where interpolate
    repeats the edge pixel.
    """
    f = integer(factor, "factor")
    if f < 2 or f % 2:
        raise ValueError(f"factor must be an even positive int (2, 4, ...), got {f}")
    u = np.arange(2 * f)
    w1 = 1.0 - np.abs(u - (f - 0.5)) / f
    return np.outer(w1, w1)
