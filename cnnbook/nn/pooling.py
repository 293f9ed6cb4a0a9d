"""Anti-aliased downsampling (chapter "Pooling and unpooling"): ``BlurPool2d`` and ``MaxBlurPool2d``.

Plain subsampling keeps every ``s``-th sample, so any content above the coarser grid's Nyquist
frequency folds back (aliases) and a one-pixel shift of the input can change the output abruptly.
Zhang (ICML 2019, "Making Convolutional Networks Shift-Invariant Again") low-pass filters before
subsampling:

- ``BlurPool2d``: a depthwise convolution with a normalised binomial kernel, evaluated at stride ``s``.
  The 1-D kernel of size ``f`` is ``b[i] = C(f-1, i) / 2^(f-1)`` ([1, 1]/2, [1, 2, 1]/4,
  [1, 3, 3, 1]/8, ...); the 2-D kernel is the outer product ``b b^T``. Before the convolution the
  input is padded by ``(f-1)//2`` cells on the top and left and ``ceil((f-1)/2)`` on the bottom and
  right (reflection by default), so a (N, C, H, W) input gives (N, C, ceil(H/s), ceil(W/s)).
- ``MaxBlurPool2d``: anti-aliased max pooling. Max pooling with window ``k`` and stride ``s`` is a
  dense max (stride 1) followed by subsampling; MaxBlurPool keeps the dense max and replaces the
  subsampling by ``BlurPool2d``. With ``filt_size=1`` (no blur) it is ordinary max pooling.

Both act on each channel separately and have no learned parameters (the kernel is a buffer).
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["binomial_kernel", "BlurPool2d", "MaxBlurPool2d"]

_PADDING_MODES = ("reflect", "replicate", "zeros", "circular")


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def binomial_kernel(size: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The normalised 1-D binomial kernel of ``size`` taps: ``C(size-1, i) / 2^(size-1)``, summing to 1.

    ``size=1`` gives [1] (no blur), 2 the box [1, 1]/2, 3 the triangle [1, 2, 1]/4, 5 [1, 4, 6, 4, 1]/16.
    """
    size = _positive_int(size, "size")
    taps = torch.tensor([math.comb(size - 1, i) for i in range(size)], dtype=torch.float64)
    return (taps / 2 ** (size - 1)).to(dtype)


class BlurPool2d(nn.Module):
    """Blur with a ``filt_size``-tap binomial kernel, then keep every ``stride``-th sample (Zhang, 2019).

    ``y = conv2d(pad(x), b b^T per channel, stride)`` with padding ``(f-1)//2`` before and
    ``ceil((f-1)/2)`` after, in ``padding_mode`` ('reflect', 'replicate', 'zeros' or 'circular').
    Input (N, C, H, W), output (N, C, ceil(H/stride), ceil(W/stride)). ``filt_size=1`` is plain
    subsampling ``x[..., ::stride, ::stride]``. A constant input stays constant except with 'zeros'.
    """

    def __init__(self, filt_size: int = 3, stride: int = 2, padding_mode: str = "reflect") -> None:
        super().__init__()
        self.filt_size = _positive_int(filt_size, "filt_size")
        self.stride = _positive_int(stride, "stride")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        before, after = (self.filt_size - 1) // 2, -(-(self.filt_size - 1) // 2)
        self.pad = (before, after, before, after)          # F.pad order: left, right, top, bottom
        b = binomial_kernel(self.filt_size)
        self.register_buffer("kernel", torch.outer(b, b)[None, None], persistent=False)   # (1, 1, f, f)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 4:
            raise ValueError(f"x must be a 4-D tensor (N, C, H, W), got {getattr(x, 'shape', type(x).__name__)}")
        if self.padding_mode in ("reflect", "circular") and min(x.shape[-2:]) <= max(self.pad):
            raise ValueError(f"x is {tuple(x.shape[-2:])}: {self.padding_mode} padding by {max(self.pad)} needs "
                             f"height and width > {max(self.pad)}")
        if any(self.pad):
            mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
            x = F.pad(x, self.pad, mode=mode)
        channels = x.shape[1]
        weight = self.kernel.to(x.dtype).expand(channels, 1, self.filt_size, self.filt_size)
        return F.conv2d(x, weight, stride=self.stride, groups=channels)

    def extra_repr(self) -> str:
        return f"filt_size={self.filt_size}, stride={self.stride}, padding_mode={self.padding_mode!r}"


class MaxBlurPool2d(nn.Module):
    """Anti-aliased max pooling (Zhang, 2019): max over ``kernel_size`` windows at stride 1, then ``BlurPool2d``.

    ``y = BlurPool2d(filt_size, stride)(max_pool2d(x, kernel_size, stride=1))``. Input (N, C, H, W),
    output (N, C, ceil((H - k + 1)/stride), ceil((W - k + 1)/stride)); for k = stride = 2 and even
    sizes that is (H/2, W/2), the size of ordinary 2×2 max pooling, which ``filt_size=1`` reproduces.
    """

    def __init__(self, kernel_size: int = 2, filt_size: int = 3, stride: int = 2,
                 padding_mode: str = "reflect") -> None:
        super().__init__()
        self.kernel_size = _positive_int(kernel_size, "kernel_size")
        self.blur = BlurPool2d(filt_size, stride, padding_mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 4:
            raise ValueError(f"x must be a 4-D tensor (N, C, H, W), got {getattr(x, 'shape', type(x).__name__)}")
        if min(x.shape[-2:]) < self.kernel_size:
            raise ValueError(f"x is {tuple(x.shape[-2:])}, smaller than kernel_size {self.kernel_size}")
        return self.blur(F.max_pool2d(x, self.kernel_size, stride=1))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}"
