"""The residual block of He et al. (CVPR 2016), chapter "Convolutional blocks".

A basic residual block adds its input to the output of two convolutions (the "identity skip"):

    y = ReLU(x + BN2(conv2(ReLU(BN1(conv1(x))))))

Both convolutions keep the number of channels and the spatial size (stride 1, odd kernel, padding
``(k - 1) // 2``), so the sum is defined. They have no bias, because the batch norm after each one
subtracts the batch mean, which would remove a bias anyway; the norm's shift takes its role.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

__all__ = ["ResidualBlock"]


class ResidualBlock(nn.Module):
    """Two conv-BN layers (ReLU after the first) plus an identity skip, then a ReLU.

    Shapes: (N, channels, H, W) -> (N, channels, H, W).

    Parameters: ``2 * (k^2 * channels^2 + 2 * channels)`` (two bias-free convs, two batch norms with a
    scale and a shift per channel).

    ``zero_init_last_bn=True`` sets the scale (``weight``) of the second batch norm to zero. Its shift is
    zero at initialisation, so the residual branch outputs exactly zero and the block starts as
    ``ReLU(x)``: a deep stack of such blocks starts close to the identity map (Goyal et al. 2017).
    """

    def __init__(self, channels: int, kernel_size: int = 3, zero_init_last_bn: bool = False) -> None:
        super().__init__()
        for name, value in (("channels", channels), ("kernel_size", kernel_size)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {value!r}")
            if value < 1:
                raise ValueError(f"{name} must be a positive int (>= 1), got {value}")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that the block keeps the size, got {kernel_size}")
        if not isinstance(zero_init_last_bn, bool):
            raise TypeError(f"zero_init_last_bn must be a bool, got {zero_init_last_bn!r}")
        pad = (kernel_size - 1) // 2
        self.conv1 = nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        if zero_init_last_bn:
            nn.init.zeros_(self.bn2.weight)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The branch F(x) that the block adds to its input."""
        return self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.conv1.in_channels:
            raise ValueError(f"x must have shape (N, {self.conv1.in_channels}, H, W), got {tuple(x.shape)}")
        return self.relu(x + self.residual(x))
