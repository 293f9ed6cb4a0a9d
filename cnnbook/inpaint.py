"""Inpainting helpers: diffusion fill, the distance from a hole pixel to the known pixels, and the
small encoder-decoder of the gated-convolution chapter in four versions.

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
- :class:`InpaintingNet` is a tiny encoder-decoder whose ``kind`` (one of :data:`INPAINTING_KINDS`)
  picks how its layers learn where the holes are; :func:`hole_l1` is its training loss and
  :func:`l1_by_distance` its error binned by :func:`distance_to_known`.
"""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F
from torch import nn

from cnnbook._validation import positive_int
from cnnbook.nn.gated import GatedConv2d, PartialConv2d

__all__ = ["INPAINTING_KINDS", "InpaintingNet", "diffusion_fill", "distance_to_known", "hole_l1",
           "l1_by_distance", "l1_in_holes"]

INPAINTING_KINDS = ("plain conv, no mask", "plain conv + mask", "partial conv", "gated conv")


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


class InpaintingNet(nn.Module):
    """A tiny encoder-decoder for (N, 1, H, W) images, H and W divisible by 4, in four versions.

    Layers (c = ``width``; every conv 3×3, ELU after each):

        conv(c) → stride-2 conv(2c) → stride-2 conv(2c) → dilated conv(2c, d = 2)
        → nearest ×2 → conv(c) → nearest ×2 → conv(c) → plain 3×3 output conv(1) → sigmoid.

    ``kind`` (one of :data:`INPAINTING_KINDS`) says how the holes reach the layers:

    - ``"plain conv, no mask"``: ``nn.Conv2d`` on the masked image alone (1 input channel);
    - ``"plain conv + mask"``: ``nn.Conv2d`` on the masked image and the hole mask (2 channels);
    - ``"partial conv"``: :class:`~cnnbook.nn.gated.PartialConv2d` on the masked image; the
      valid mask M = 1 − holes travels alongside the features, updated by each layer's rule and
      upsampled with them;
    - ``"gated conv"``: :class:`~cnnbook.nn.gated.GatedConv2d` (ELU features, sigmoid gates) on the
      masked image and the hole mask; it has about twice the parameters at the same width.

    ``forward(masked, holes)`` takes the image with its holes set to 0 and the hole mask
    (1 = missing), both (N, 1, H, W), and returns the prediction (N, 1, H, W) in (0, 1).
    """

    def __init__(self, kind: str, width: int) -> None:
        super().__init__()
        if kind not in INPAINTING_KINDS:
            raise ValueError(f"kind must be one of {INPAINTING_KINDS}, got {kind!r}")
        c = positive_int(width, "width")
        self.kind = kind
        self.sees_mask = kind in ("plain conv + mask", "gated conv")
        spec = [(2 if self.sees_mask else 1, c, 1, 1), (c, 2 * c, 2, 1), (2 * c, 2 * c, 2, 1), (2 * c, 2 * c, 1, 2),
                "up", (2 * c, c, 1, 1), "up", (c, c, 1, 1)]          # (in, out, stride, dilation)
        layers: list[nn.Module] = []
        for s in spec:
            if s == "up":
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
                continue
            c_in, c_out, stride, d = s
            conv = dict(kernel_size=3, stride=stride, padding=d, dilation=d)
            layer = {"gated conv": GatedConv2d, "partial conv": PartialConv2d}.get(kind, nn.Conv2d)
            layers.append(layer(c_in, c_out, **conv))
        self.layers = nn.ModuleList(layers)
        self.out = nn.Conv2d(c, 1, 3, padding=1)

    def forward(self, masked: torch.Tensor, holes: torch.Tensor) -> torch.Tensor:
        """Prediction in (0, 1), shape (N, 1, H, W), from the masked image and the hole mask."""
        x = torch.cat([masked, holes], dim=1) if self.sees_mask else masked
        valid = 1 - holes                                     # partial convolution's M (1 = known)
        for layer in self.layers:
            if isinstance(layer, nn.Upsample):
                x, valid = layer(x), layer(valid)
            elif isinstance(layer, PartialConv2d):
                x, valid = layer(x, valid)
                x = F.elu(x)
            elif isinstance(layer, GatedConv2d):
                x = layer(x)                                  # ELU features times sigmoid gates
            else:
                x = F.elu(layer(x))
        return torch.sigmoid(self.out(x))


def hole_l1(model: nn.Module, masked: torch.Tensor, holes: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Training loss: the L1 error of the composite image, mean over all pixels.

    The composite keeps the known pixels and takes the prediction inside the holes, so only hole
    pixels contribute: mean(|model(masked, holes) − target| · holes).
    """
    return ((model(masked, holes) - target).abs() * holes).mean()


def l1_in_holes(prediction: torch.Tensor, target: torch.Tensor, holes: torch.Tensor) -> float:
    """Mean absolute error over the hole pixels only: sum(|prediction − target|·holes) / sum(holes)."""
    _check_image_and_holes(target, holes)
    return float(((prediction - target).abs() * holes).sum() / holes.sum())


def l1_by_distance(prediction: torch.Tensor, target: torch.Tensor, holes: torch.Tensor,
                   rings: list[int]) -> list[float]:
    """Mean absolute error over the hole pixels at each chessboard distance in ``rings``.

    ``rings`` are increasing positive ints; the last one pools every distance at or beyond it
    (see :func:`distance_to_known`). A ring without pixels gives NaN.
    """
    _check_image_and_holes(target, holes)
    if not isinstance(rings, (list, tuple)) or not rings \
            or any(isinstance(r, bool) or not isinstance(r, numbers.Integral) or r < 1 for r in rings) \
            or list(rings) != sorted(set(rings)):
        raise ValueError(f"rings must be a non-empty increasing list of positive ints, got {rings!r}")
    ring_of = distance_to_known(holes).clamp(max=rings[-1])
    error = (prediction - target).abs()
    result = []
    for d in rings:
        chosen = (ring_of == d) & (holes == 1)
        result.append(float(error[chosen.expand_as(error)].mean()) if bool(chosen.any()) else float("nan"))
    return result
