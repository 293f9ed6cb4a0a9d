"""Transposed convolution from scratch. STUB: being written for issue 6."""

from __future__ import annotations


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    raise NotImplementedError("conv_transpose2d is being written")


def conv_transpose_output_size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    raise NotImplementedError("conv_transpose_output_size is being written")
