"""2-D convolution (cross-correlation) from scratch. STUB: being written for issue 3."""

from __future__ import annotations


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    raise NotImplementedError("conv2d is being written")


def conv2d_naive(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    raise NotImplementedError("conv2d_naive is being written")


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    raise NotImplementedError("conv_output_size is being written")


def same_padding(size, kernel_size, stride=1, dilation=1):
    raise NotImplementedError("same_padding is being written")
