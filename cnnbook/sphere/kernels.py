"""Tangent-plane kernels on equirectangular images (Su & Grauman, NIPS 2017, scaled down).

A k x k "source" kernel lives on the plane tangent to the sphere at each pixel: its taps sit at
plane offsets (x_b, y_a) = ((b - c) t, -(a - c) t), c = (k - 1)/2, with t = tan(pi / H), so that at
the equator neighbouring taps are one pixel apart. Projected back to the equirectangular image the
taps spread out horizontally as the latitude grows: a kernel that is 3 pixels wide at the equator
needs many more columns near the poles. This module computes

- :func:`kernel_tap_offsets`: the (du, dv) pixel offsets of the taps for every row;
- :func:`sphconv_kernel_sizes`: per-row (k_h, k_w) that contain every tap and its bilinear
  neighbours (the footprint of the projected kernel), for :class:`cnnbook.nn.SphConv2d`;
- :func:`tangent_plane_conv`: the exact output of a source kernel applied on the tangent planes
  (bilinear sampling of the equirectangular image), the "Exact" target of kernel-wise distillation;
- :func:`fit_row_kernels`: per-row kernels fitted to such targets by linear least squares (the
  closed-form solution of kernel-wise distillation for one linear layer), and
  :func:`apply_row_kernels`, which applies them with pole or zero padding of the rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cnnbook.functional._args import as_array
from cnnbook.sphere.equirect import camera_basis, direction_to_pixel, pixel_latitudes, sample_equirect
from cnnbook._validation import positive_int, row_kernel_sizes

__all__ = ["kernel_tap_offsets", "kernel_footprint", "sphconv_kernel_sizes", "tangent_plane_conv", "fit_row_kernels",
           "apply_row_kernels"]


def _check_odd_kernel(kernel_size: Any) -> int:
    k = positive_int(kernel_size, "kernel_size")
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd (so the kernel has a centre tap), got {k}")
    return k


def kernel_tap_offsets(height: int, width: int, kernel_size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets of the taps of a tangent-plane kernel centred on each row's pixels.

    Returns ``(du, dv)``, each of shape (H, k, k): tap (a, b) of a kernel centred at pixel (u, v)
    lands at the continuous pixel position (u + du[v, a, b], v + dv[v, a, b]). ``du`` is taken
    modulo W into [-W/2, W/2), since longitude wraps. The offsets do not depend on the column u.
    """
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    k = _check_odd_kernel(kernel_size)
    c = (k - 1) / 2
    t = math.tan(math.pi / height)
    x = (np.arange(k) - c) * t  # along kernel columns b
    y = -(np.arange(k) - c) * t  # along kernel rows a (row 0 is the top, so y decreases)
    x, y = np.meshgrid(x, y)  # (k, k), indexed [a, b]
    du = np.empty((height, k, k))
    dv = np.empty((height, k, k))
    centre_u = width / 2 - 0.5  # the column whose centre sits at longitude pi / W, any column works
    for v, phi in enumerate(pixel_latitudes(height)):
        lam = 2 * np.pi * (centre_u + 0.5) / width - np.pi
        right, up, forward = camera_basis(lam, phi)
        rays = forward + x[..., None] * right + y[..., None] * up
        u_tap, v_tap = direction_to_pixel(rays, height, width)
        du[v] = np.mod(u_tap - centre_u + width / 2, width) - width / 2
        dv[v] = v_tap - v
    return du, dv


def kernel_footprint(height: int, width: int, kernel_size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Half-extent of the projected kernel in pixels, per row: ``(max |du|, max |dv|)``, each (H,)."""
    du, dv = kernel_tap_offsets(height, width, kernel_size)
    return np.abs(du).max(axis=(1, 2)), np.abs(dv).max(axis=(1, 2))


def sphconv_kernel_sizes(height: int, width: int, kernel_size: int = 3,
                         max_width: int | None = None, slack: float = 0.1) -> list[tuple[int, int]]:
    """Per-row kernel size (k_h, k_w) of a SphConv layer that imitates a tangent-plane kernel.

    This is the book's own rule, a simple stand-in for the reference code's. Su & Grauman's code
    (sammy-su/Spherical-Convolution, ``util/rf.py``, ``build_tiltRf``) instead grows each row's
    kernel, two taps at a time (taller while uncovered pixels lie above or below, otherwise wider),
    until it covers more than 95% of the pixels that the source kernel's projected footprint touches,
    and gives up once the kernel holds more than 7 x 7 = 49 taps; the source kernel's taps are spaced
    by the source camera's pixel angle (its field of view over its width, 65.5 degrees over 640
    pixels there), not by the equirectangular pixel angle used here.

    Here row v's kernel is the bounding box of the projected taps, grown to whole pixels: k_w = 2 ceil(max |du| - slack) + 1 and k_h = 2 ceil(max |dv| - slack) + 1 (odd, centred).
    Rounding *up* keeps the pixels that bilinear sampling reads around each tap; ``slack`` (pixels)
    ignores tiny overhangs, so that near the equator, where the taps sit within a few hundredths of a
    pixel of the ordinary grid, a 3 x 3 kernel stays 3 x 3.
    Widths are capped at ``max_width`` (default: the largest odd number <= W / 2), because at the
    rows next to the poles the taps wrap over the pole to the opposite longitude. The sizes are
    computed for the northern half and mirrored, so row v and row H - 1 - v always agree. At the
    equator a ``kernel_size`` kernel stays ``kernel_size`` x ``kernel_size``; widths never decrease
    toward the poles. Returns a list of H pairs of ints.
    """
    height = positive_int(height, "height")
    width = positive_int(width, "width")
    k = _check_odd_kernel(kernel_size)
    if max_width is None:
        max_width = max(1, (width // 2) - 1 + (width // 2) % 2)
    else:
        max_width = positive_int(max_width, "max_width")
        if max_width % 2 == 0:
            raise ValueError(f"max_width must be odd, got {max_width}")
    max_width = max(max_width, k)
    if not 0 <= slack < 1:
        raise ValueError(f"slack must be in [0, 1) pixels, got {slack}")
    half_w, half_h = kernel_footprint(height, width, k)
    sizes_top = []
    for v in range((height + 1) // 2):
        kw = 2 * int(math.ceil(half_w[v] - slack)) + 1
        kh = 2 * int(math.ceil(half_h[v] - slack)) + 1
        sizes_top.append((max(kh, k), min(max(kw, k), max_width)))
    # Monotone toward the poles: a row never gets a narrower kernel than a row nearer the equator.
    for v in range(len(sizes_top) - 2, -1, -1):
        kh, kw = sizes_top[v]
        sizes_top[v] = (kh, max(kw, sizes_top[v + 1][1]))
    return sizes_top + sizes_top[: height // 2][::-1]


def tangent_plane_conv(image: Any, weight: Any) -> np.ndarray:
    """Apply a source kernel on the tangent plane at every pixel of an equirectangular image.

    ``image`` is (C_in, H, W) (or (H, W) for one channel); ``weight`` is (C_out, C_in, k, k) (or
    (k, k)), a cross-correlation kernel as in ``torch.nn.functional.conv2d``. Output pixel (v, u)
    is sum_{c, a, b} weight[o, c, a, b] * I_c(u + du[v, a, b], v + dv[v, a, b]), where the taps
    come from :func:`kernel_tap_offsets` and I is sampled bilinearly (columns wrap, rows clamp).
    Returns (C_out, H, W) (or (H, W) when both inputs were 2-D).
    """
    image = as_array(image, "image").astype(np.float64)
    weight = as_array(weight, "weight").astype(np.float64)
    squeeze = image.ndim == 2 and weight.ndim == 2
    if image.ndim == 2:
        image = image[None]
    if weight.ndim == 2:
        weight = weight[None, None]
    if image.ndim != 3:
        raise ValueError(f"image must be (C_in, H, W) or (H, W), got shape {tuple(image.shape)}")
    if weight.ndim != 4 or weight.shape[2] != weight.shape[3]:
        raise ValueError(f"weight must be (C_out, C_in, k, k) or (k, k), got shape {tuple(weight.shape)}")
    if weight.shape[1] != image.shape[0]:
        raise ValueError(f"weight must have C_in = {image.shape[0]} input channels to match image, "
                         f"got shape {tuple(weight.shape)}")
    _, height, width = image.shape
    du, dv = kernel_tap_offsets(height, width, _check_odd_kernel(weight.shape[2]))
    cols = np.arange(width)[None, :, None, None] + du[:, None]  # (H, W, k, k)
    rows = np.arange(height)[:, None, None, None] + dv[:, None]
    rows = np.broadcast_to(rows, cols.shape)
    taps = sample_equirect(np.moveaxis(image, 0, -1), cols, rows)  # (H, W, k, k, C_in)
    out = np.einsum("hwabc,ocab->ohw", taps, weight)
    return out[0] if squeeze else out


def _row_setup(images: Any, kernel_sizes: Any, tied: Any, vertical: Any) -> tuple[Any, list[tuple[int, int]], int, int]:
    """Check the shared arguments of :func:`fit_row_kernels` and :func:`apply_row_kernels`."""
    import torch

    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise ValueError(f"images must be a 4-D tensor (N, C_in, H, W), got {getattr(images, 'shape', type(images).__name__)}")
    if not isinstance(tied, bool):
        raise TypeError(f"tied must be a bool, got {type(tied).__name__}")
    if vertical not in ("pole", "zeros"):
        raise ValueError(f"vertical must be 'pole' or 'zeros', got {vertical!r}")
    height, width = images.shape[2], images.shape[3]
    sizes = row_kernel_sizes(kernel_sizes, height, tied)
    pad_h = max(kh for kh, _ in sizes) // 2
    pad_w = max(kw for _, kw in sizes) // 2
    if pad_w > width or pad_h > height:
        raise ValueError(f"kernels up to {2 * pad_h + 1}x{2 * pad_w + 1} do not fit images of size {height}x{width}")
    if vertical == "pole" and width % 2:
        raise ValueError(f"vertical='pole' needs an even width W (rows beyond a pole are rolled by W/2), got W={width}")
    return images, sizes, pad_h, pad_w


def _row_patches(padded: Any, v: int, size: tuple[int, int], pad_h: int, pad_w: int, width: int, flip: bool) -> Any:
    """Patches read by row v's kernel: (N * W, C_in * k_h * k_w), ordered like ``conv2d`` weights."""
    import torch.nn.functional as F

    kh, kw = size
    top, left = v + pad_h - kh // 2, pad_w - kw // 2
    slab = padded[:, :, top: top + kh, left: left + width + kw - 1]
    if flip:
        slab = slab.flip(2)
    cols = F.unfold(slab, (kh, kw))                     # (N, C_in kh kw, W)
    return cols.transpose(1, 2).reshape(-1, cols.shape[1])


def fit_row_kernels(images: Any, targets: Any, kernel_sizes: Any, *, tied: bool = False, bias: bool = True,
                    vertical: str = "pole") -> tuple[list[Any], Any]:
    """Fit one kernel per row (a SphConv layer) to target outputs by linear least squares.

    ``images`` is (N, C_in, H, W) and ``targets`` (N, C_out, H, W), float tensors;
    ``kernel_sizes`` holds H odd sizes (ints or (k_h, k_w) pairs), as for :class:`cnnbook.nn.SphConv2d`.
    The images are padded as that layer pads them: circularly along the width, and over the poles
    (``vertical='pole'``: the row r beyond a pole is row r rolled by W/2) or with zeros
    (``vertical='zeros'``). Let p_{n,v,u} in R^P, P = C_in k_h k_w, be the padded patch that row
    v's kernel reads at column u, and y_{n,v,u} in R^{C_out} the target there. Row v's kernel K_v
    (C_out x P) and bias b_v solve

        min_{K_v, b_v}  sum_{n, u} || y_{n,v,u} - K_v p_{n,v,u} - b_v ||^2,

    that is [K_v b_v]^T = A^+ Y with A the (N W) x (P + 1) matrix of patches (and a column of ones
    for the bias) and Y the (N W) x C_out targets: the minimum-norm solution, from an SVD
    (``torch.linalg.lstsq`` with driver ``'gelsd'``), so rank-deficient rows are fine. With
    ``tied=True``, row H-1-v uses K_v flipped upside down (as ``SphConv2d(..., tied=True)`` does),
    so the equations of both rows, the southern patches flipped, are solved together.

    Returns ``(weights, bias)``: a list of ceil(H/2) (tied) or H kernels, each
    (C_out, C_in, k_h, k_w), and a (number of kernels, C_out) tensor of biases (``None`` without
    ``bias``), laid out like ``SphConv2d.weights`` and ``SphConv2d.bias``.
    """
    import torch

    from cnnbook.nn.spherical import circular_pad2d

    if not isinstance(bias, bool):
        raise TypeError(f"bias must be a bool, got {type(bias).__name__}")
    images, sizes, pad_h, pad_w = _row_setup(images, kernel_sizes, tied, vertical)
    if not isinstance(targets, torch.Tensor) or targets.dim() != 4:
        raise ValueError(f"targets must be a 4-D tensor (N, C_out, H, W), got {getattr(targets, 'shape', type(targets).__name__)}")
    n, _, height, width = images.shape
    if targets.shape[0] != n or targets.shape[2:] != images.shape[2:]:
        raise ValueError(f"targets must be (N={n}, C_out, {height}, {width}) to match images, got {tuple(targets.shape)}")
    if not images.is_floating_point() or targets.dtype != images.dtype:
        raise TypeError(f"images and targets must be floating tensors of one dtype, got {images.dtype} and {targets.dtype}")
    c_out = targets.shape[1]
    padded = circular_pad2d(images, (pad_w, pad_w, pad_h, pad_h), vertical=vertical)
    n_kernels = (height + 1) // 2 if tied else height
    weights, biases = [], []
    for v in range(n_kernels):
        rows = [v] if not tied or v == height - 1 - v else [v, height - 1 - v]
        a = torch.cat([_row_patches(padded, r, sizes[v], pad_h, pad_w, width, flip=r != v) for r in rows])
        y = torch.cat([targets[:, :, r, :].transpose(1, 2).reshape(-1, c_out) for r in rows])
        if bias:
            a = torch.cat([a, a.new_ones(a.shape[0], 1)], dim=1)
        solution = torch.linalg.lstsq(a, y, driver="gelsd").solution      # (P [+ 1], C_out)
        kh, kw = sizes[v]
        weights.append(solution[: a.shape[1] - bias].T.reshape(c_out, images.shape[1], kh, kw).contiguous())
        if bias:
            biases.append(solution[-1])
    return weights, (torch.stack(biases) if bias else None)


def apply_row_kernels(images: Any, weights: Any, bias: Any, kernel_sizes: Any, *, tied: bool = False,
                      vertical: str = "pole") -> Any:
    """Apply per-row kernels (as returned by :func:`fit_row_kernels`) with pole or zero row padding.

    ``images`` (N, C_in, H, W) -> (N, C_out, H, W):
    y[n, :, v, u] = b_v + K_v p_{n,v,u}, with the patches p of :func:`fit_row_kernels` (padded the
    same way, ``vertical='pole'`` or ``'zeros'``) and, when ``tied``, K_{H-1-v} = K_v flipped upside
    down. With ``vertical='pole'`` this is exactly ``SphConv2d``'s forward pass with these weights.
    """
    import torch

    from cnnbook.nn.spherical import circular_pad2d

    images, sizes, pad_h, pad_w = _row_setup(images, kernel_sizes, tied, vertical)
    n, _, height, width = images.shape
    n_kernels = (height + 1) // 2 if tied else height
    if len(weights) != n_kernels:
        raise ValueError(f"weights must hold {n_kernels} kernels for H={height} (tied={tied}), got {len(weights)}")
    padded = circular_pad2d(images, (pad_w, pad_w, pad_h, pad_h), vertical=vertical)
    rows = []
    for v in range(height):
        k = min(v, height - 1 - v) if tied else v
        kernel = weights[k]
        if tuple(kernel.shape[2:]) != sizes[v] or kernel.shape[1] != images.shape[1]:
            raise ValueError(f"weights[{k}] must be (C_out, {images.shape[1]}, {sizes[v][0]}, {sizes[v][1]}), "
                             f"got {tuple(kernel.shape)}")
        patches = _row_patches(padded, v, sizes[v], pad_h, pad_w, width, flip=tied and k != v)
        out = patches @ kernel.reshape(kernel.shape[0], -1).T                          # (N W, C_out)
        if bias is not None:
            out = out + bias[k]
        rows.append(out.reshape(n, width, -1).transpose(1, 2))
    return torch.stack(rows, dim=2)
