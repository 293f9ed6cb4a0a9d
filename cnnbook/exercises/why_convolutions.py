"""Checkers for the exercises of "Why convolutions: stationarity, locality, compositionality".

Every reference is computed with PyTorch or :mod:`cnnbook.nn.blocks` when the checker runs; no
checker prints it. Networks get their weights from local generators (:func:`_seeded`), so a checker
never reseeds or draws from the learner's global RNG.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.functional.receptive_field import receptive_field
from cnnbook.probes import conv_matrix, gradient_receptive_field, receptive_field_extent, shift_response

__all__ = [
    "check_dense_vs_conv_params",
    "check_stack_receptive_field",
    "check_conv_matrix",
    "check_equivariant_shifts",
    "check_receptive_field_size",
    "check_locally_connected",
]


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _seeded(module: nn.Module, seed: int) -> nn.Module:
    """``module`` with every parameter redrawn uniformly in [-0.5, 0.5) from a local generator seeded
    with ``seed``: the same weights every time, without touching the learner's global RNG."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.uniform_(-0.5, 0.5, generator=generator)
    return module


@checker
def check_dense_vs_conv_params(answer) -> Verdict:
    """Exercise: (dense, conv) parameter counts, biases included, for a 32x32x3 input mapped to a
    32x32x16 output by a fully connected layer and by a 5x5 conv with padding 2."""
    dense = nn.Linear(32 * 32 * 3, 32 * 32 * 16, device="meta")
    conv = nn.Conv2d(3, 16, 5, padding=2, device="meta")
    return check(answer, (_n_params(dense), _n_params(conv)), name="(dense, conv) parameter counts",
                 forbidden=(nn.Linear, nn.Conv2d))


def _stack() -> nn.Sequential:
    """Three 3x3 convs, a 2x2/2 max pool, a 3x3 conv (no padding; linear, so no unit is dead)."""
    return _seeded(nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 3), nn.MaxPool2d(2),
                                 nn.Conv2d(4, 1, 3)), 0)


@checker
def check_stack_receptive_field(answer) -> Verdict:
    """Exercise: side of the receptive field of one output of conv3 -> conv3 -> conv3 -> maxpool2 -> conv3."""
    saliency = gradient_receptive_field(_stack(), (1, 32, 32), (0, 4, 4), samples=32)
    return check(answer, receptive_field_extent(saliency)[0], name="receptive-field side",
                 forbidden=(gradient_receptive_field, receptive_field_extent, receptive_field))


@checker
def check_conv_matrix(answer) -> Verdict:
    """Exercise: a function ``(weight, height, width) -> M`` with ``M @ x.flatten() = conv(x).flatten()``
    (no padding)."""
    g = torch.Generator().manual_seed(7)
    cases = [(torch.randn(kh, kw, generator=g, dtype=torch.float64), h, w)
             for kh, kw, h, w in [(3, 3, 5, 5), (2, 3, 4, 6), (1, 1, 3, 2), (3, 2, 7, 4)]]
    return check(answer, conv_matrix, cases=cases, name="conv_matrix", atol=1e-12, forbidden=(conv_matrix,))


@checker
def check_equivariant_shifts(answer) -> Verdict:
    """Exercise: the shifts t in 0..8 at which a network of total stride 4 is exactly shift-equivariant."""
    net = _seeded(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3), nn.ReLU(),
                                nn.MaxPool2d(2)).double(), 0)
    image = torch.rand(1, 1, 24, 48, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    errors = shift_response(net, image, range(9), stride=4)["equivariance"]
    exact = torch.tensor([t for t, e in enumerate(errors) if e < 1e-10])
    if isinstance(answer, (set, frozenset)):
        answer = sorted(answer)
    return check(answer, exact, name="equivariant shifts")


def _rf_reference(model: nn.Module, input_shape, index) -> tuple[int, int]:
    return receptive_field_extent(gradient_receptive_field(model, input_shape, index, samples=4))


@checker
def check_receptive_field_size(answer) -> Verdict:
    """Exercise: a function ``(model, input_shape, index) -> (height, width)`` of the receptive field,
    found with gradients."""
    cases = [
        (_seeded(nn.Conv2d(1, 1, 5), 3), (1, 12, 12), (0, 3, 4)),
        (_seeded(nn.Sequential(nn.Conv2d(2, 3, 3), nn.Conv2d(3, 1, (1, 3))), 4), (2, 10, 10), (0, 2, 2)),
        (_seeded(nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.AvgPool2d(2), nn.Conv2d(2, 1, 3)), 5),
         (1, 20, 20), (0, 3, 2)),
        (_seeded(nn.Sequential(nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3, stride=2)), 6), (1, 17, 17), (0, 1, 1)),
    ]
    return check(answer, _rf_reference, cases=cases, name="receptive_field_size",
                 forbidden=(gradient_receptive_field, receptive_field_extent))


def _locally_connected_reference(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """y[i, j] = sum_uv weight[i, j, u, v] * x[i + u, j + v] (one channel, no padding, stride 1)."""
    oh, ow, kh, kw = weight.shape
    windows = F.unfold(x[None, None], (kh, kw))[0]                       # (kh*kw, oh*ow)
    return (windows.T * weight.reshape(oh * ow, kh * kw)).sum(dim=1).reshape(oh, ow)


@checker
def check_locally_connected(answer) -> Verdict:
    """Exercise: a function ``(x, weight) -> y`` for a single-channel locally connected layer without
    padding: ``x`` is (H, W), ``weight`` is (H_out, W_out, k_h, k_w) with its own kernel per output pixel."""
    g = torch.Generator().manual_seed(11)
    cases = []
    for h, w, kh, kw in [(5, 5, 3, 3), (6, 4, 2, 3), (4, 7, 1, 1), (7, 6, 3, 2)]:
        x = torch.randn(h, w, generator=g, dtype=torch.float64)
        weight = torch.randn(h - kh + 1, w - kw + 1, kh, kw, generator=g, dtype=torch.float64)
        cases.append((x, weight))
    return check(answer, _locally_connected_reference, cases=cases, name="locally_connected", atol=1e-12)
