"""Non-learned inpainting helpers: diffusion fill and the distance from a hole pixel to the known pixels.

Convention, as in :mod:`cnnbook.data.strokes`: a hole mask holds **1 for a missing pixel** and 0 for
a known one; images and masks are NCHW tensors, a mask of shape (N, 1, H, W) applies to every
channel of the image.

- :func:`diffusion_fill` fills each hole by repeated neighbour averaging (a discrete heat
  equation with the known pixels held fixed). Its fixed point is the *harmonic* fill: inside the
  hole every pixel equals the mean of its four neighbours, i.e. the discrete Laplacian is zero.
- :func:`distance_to_known` gives, for every pixel, the chessboard distance to the nearest known
  pixel: 0 on known pixels, 1 on hole pixels touching one (8-neighbourhood), and so on. It is the
  number of stride-1 3×3 convolutions needed before a pixel's window reaches a known pixel, so it
  is also the number of 3×3 partial-convolution layers after which its mask becomes 1.
"""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F

__all__ = ["diffusion_fill", "distance_to_known"]


def _check_image_and_holes(image: torch.Tensor, holes: torch.Tensor) -> None:
    if not isinstance(image, torch.Tensor) or not isinstance(holes, torch.Tensor):
        raise TypeError(f"image and holes must be torch tensors, got {type(image).__name__} and "
                        f"{type(holes).__name__}")
    if image.dim() != 4:
        raise ValueError(f"image must have shape (N, C, H, W), got {tuple(image.shape)}")
    if holes.dim() != 4 or holes.shape[0] != image.shape[0] or holes.shape[1] not in (1, image.shape[1]) \
            or holes.shape[2:] != image.shape[2:]:
        raise ValueError(f"holes must have shape (N, 1 or C, H, W) matching image {tuple(image.shape)}, "
                         f"got {tuple(holes.shape)}")
    if not bool(((holes == 0) | (holes == 1)).all()):
        raise ValueError("holes must hold only 0 (known) and 1 (missing)")


def diffusion_fill(image: torch.Tensor, holes: torch.Tensor, iterations: int = 200) -> torch.Tensor:
    """Fill the holes of ``image`` by ``iterations`` rounds of averaging each hole pixel's 4 neighbours.

    image: (N, C, H, W) float; holes: (N, 1, H, W) or (N, C, H, W), 1 = missing. The known pixels
    are never changed. The holes start at the mean of the image's known pixels (per image and
    channel; 0 if it has none), then every round sets each hole pixel to

        u(i, j) ← (u(i−1, j) + u(i+1, j) + u(i, j−1) + u(i, j+1)) / 4,

    with the image edge replicated (a pixel on the border counts itself as its outside
    neighbour). This Jacobi iteration converges to the harmonic fill, which lies between the
    smallest and the largest known value of its image and reproduces any linear ramp exactly; a
    hole r pixels across needs on the order of r² rounds. Returns a new tensor of image's shape.
    """
    _check_image_and_holes(image, holes)
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral):
        raise TypeError(f"iterations must be an int, got {type(iterations).__name__} {iterations!r}")
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    hole = holes.to(image.dtype).expand_as(image)
    known = 1 - hole
    n_known = known.sum(dim=(2, 3), keepdim=True)
    start = (image * known).sum(dim=(2, 3), keepdim=True) / n_known.clamp(min=1)
    filled = image * known + start * hole
    for _ in range(int(iterations)):
        padded = F.pad(filled, (1, 1, 1, 1), mode="replicate")
        average = (padded[:, :, :-2, 1:-1] + padded[:, :, 2:, 1:-1]
                   + padded[:, :, 1:-1, :-2] + padded[:, :, 1:-1, 2:]) / 4
        filled = image * known + average * hole
    return filled


def distance_to_known(holes: torch.Tensor) -> torch.Tensor:
    """Chessboard distance from each pixel to the nearest known pixel, shape and layout of ``holes``.

    holes: (N, C, H, W), 1 = missing. Returns a float tensor: 0 on known pixels, otherwise
    d = min over known pixels q of max(|i − q_i|, |j − q_j|). Computed by growing the known set
    with 3×3 max-pooling, one ring per step. A map with no known pixel at all gets +inf everywhere.
    """
    if not isinstance(holes, torch.Tensor):
        raise TypeError(f"holes must be a torch tensor, got {type(holes).__name__}")
    if holes.dim() != 4:
        raise ValueError(f"holes must have shape (N, C, H, W), got {tuple(holes.shape)}")
    if not bool(((holes == 0) | (holes == 1)).all()):
        raise ValueError("holes must hold only 0 (known) and 1 (missing)")
    reached = (holes == 0).float()
    distance = torch.where(reached.bool(), 0.0, float("inf"))
    for step in range(1, max(holes.shape[2], holes.shape[3])):
        grown = F.max_pool2d(reached, 3, stride=1, padding=1)
        distance = torch.where((grown > reached), float(step), distance)
        if torch.equal(grown, reached):
            break
        reached = grown
    return distance
