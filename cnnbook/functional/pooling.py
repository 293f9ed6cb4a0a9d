"""Pooling and unpooling from scratch. STUB: being written for issue 5."""

from __future__ import annotations


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    raise NotImplementedError("max_pool2d is being written")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    raise NotImplementedError("avg_pool2d is being written")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    raise NotImplementedError("max_unpool2d is being written")
