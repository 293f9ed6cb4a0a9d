"""Checkers for the exercises of "Convolutional blocks: from recipes to a trained encoder-decoder".

Every reference is computed with :mod:`cnnbook.nn` when the checker runs; no checker prints it.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.nn import EncoderBlock, UNet, VGGBlock
from cnnbook.nn.blocks import match_size
from cnnbook.train import count_parameters

__all__ = [
    "check_vgg_params",
    "check_encoder_shape",
    "check_stacked_vs_single",
    "check_match_size",
    "check_unet_params",
]


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@checker
def check_vgg_params(answer) -> Verdict:
    """Exercise: the number of parameters of ``VGGBlock(64, 128)``."""
    return check(answer, _n_params(VGGBlock(64, 128)), name="VGGBlock(64, 128) parameters",
                 forbidden=(VGGBlock, count_parameters))


@checker
def check_encoder_shape(answer) -> Verdict:
    """Exercise: the output shape of ``EncoderBlock(3, 32)`` on a (1, 3, 37, 45) input, as a tuple."""
    with torch.no_grad():
        shape = tuple(EncoderBlock(3, 32).eval()(torch.zeros(1, 3, 37, 45)).shape)
    if isinstance(answer, torch.Size):
        answer = tuple(answer)
    return check(answer, shape, name="output shape", forbidden=(EncoderBlock,))


@checker
def check_stacked_vs_single(answer) -> Verdict:
    """Exercise: (weights of two stacked 3x3 convs C -> C, weights of one 5x5 conv C -> C), C = 64, no biases."""
    two = nn.Sequential(nn.Conv2d(64, 64, 3, bias=False, device="meta"), nn.Conv2d(64, 64, 3, bias=False, device="meta"))
    one = nn.Conv2d(64, 64, 5, bias=False, device="meta")
    return check(answer, (_n_params(two), _n_params(one)), name="(two 3x3, one 5x5) weights",
                 forbidden=(nn.Conv2d, count_parameters))


@checker
def check_match_size(answer) -> Verdict:
    """Exercise: a function ``(x, size) -> x`` cropped or zero-padded at the bottom/right to ``size``."""
    g = torch.Generator().manual_seed(5)
    cases = [(torch.randn(1, 2, 6, 8, generator=g), (5, 7)),
             (torch.randn(2, 1, 5, 5, generator=g), (6, 5)),
             (torch.randn(1, 1, 4, 7, generator=g), (4, 7)),
             (torch.randn(1, 3, 9, 3, generator=g), (8, 4))]
    return check(answer, match_size, cases=cases, name="match_size", forbidden=(match_size,))


def _unet_params(in_channels: int, out_channels: int, widths: tuple[int, ...], mode: str) -> int:
    return _n_params(UNet(in_channels, out_channels, widths=widths, mode=mode))


@checker
def check_unet_params(answer) -> Verdict:
    """Exercise: a function ``(in_channels, out_channels, widths, mode) -> int`` that counts a UNet's parameters."""
    cases = [(1, 1, (16, 32, 64), "bilinear"), (3, 2, (8, 16), "transposed"), (1, 4, (5,), "bilinear"),
             (2, 1, (4, 8, 16, 32), "transposed"), (3, 3, (6, 10, 12), "nearest")]
    return check(answer, _unet_params, cases=cases, name="unet_params", forbidden=(UNet,))
