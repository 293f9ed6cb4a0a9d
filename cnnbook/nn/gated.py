"""Gated convolution (Yu et al., "Free-Form Image Inpainting with Gated Convolution", ICCV 2019).

Two convolutions see the same input: a *feature* branch and a *gate* branch. The output is

    O = φ(conv_f(x)) ⊙ σ(conv_g(x)),

so every output channel at every pixel has its own soft, learned gate in (0, 1). Partial
convolution (Liu et al., ECCV 2018), by contrast, uses one hard 0/1 mask per pixel that a
fixed rule updates and that is shared by all channels.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from cnnbook._validation import positive_int

__all__ = ["GatedConv2d"]


class GatedConv2d(nn.Module):
    """O = φ(conv_f(x)) ⊙ σ(conv_g(x)), with two ``nn.Conv2d`` of identical settings.

    Shapes: input (N, C_in, H, W) → output (N, C_out, H_out, W_out), with
    H_out = ⌊(H + 2p - d(k-1) - 1)/s⌋ + 1 as for ``nn.Conv2d``.

    - ``activation`` is φ, any callable on tensors; ``None`` means ELU (the paper's reference
      code uses ``tf.nn.elu``).
    - Parameters: 2·C_out·(C_in·kH·kW + 1) (two weights and two biases).
    - The reference code uses one conv with 2·C_out channels and splits it in half; that is
      the same function as two separate convs holding the two halves of its weights.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1,
                 activation: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        if activation is not None and not callable(activation):
            raise TypeError(f"activation must be a callable such as nn.ReLU() or None (ELU), "
                            f"got {type(activation).__name__}")
        settings = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
        for name, value in settings.items():
            values = value if isinstance(value, (tuple, list)) else (value,)
            for v in values:
                if name == "padding":
                    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                        raise TypeError(f"padding must be an int or a pair of ints, got {value!r}")
                    if v < 0:
                        raise ValueError(f"padding must be non-negative (>= 0), got {value!r}")
                else:
                    positive_int(v, name)
        self.feature = nn.Conv2d(in_channels, out_channels, **settings)
        self.gate = nn.Conv2d(in_channels, out_channels, **settings)
        self.activation = activation if activation is not None else nn.ELU()

    def gates(self, x: torch.Tensor) -> torch.Tensor:
        """The gate values σ(conv_g(x)) in (0, 1), shape (N, C_out, H_out, W_out)."""
        return torch.sigmoid(self.gate(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """φ(conv_f(x)) ⊙ σ(conv_g(x)) for x of shape (N, C_in, H, W).

        Both branches run as one convolution with 2·C_out output channels (the reference
        code's layout), which is the same function and about half the overhead.
        """
        f, g = self.feature, self.gate
        both = F.conv2d(x, torch.cat([f.weight, g.weight]), torch.cat([f.bias, g.bias]),
                        f.stride, f.padding, f.dilation)
        features, gating = both.chunk(2, dim=1)
        return self.activation(features) * torch.sigmoid(gating)
