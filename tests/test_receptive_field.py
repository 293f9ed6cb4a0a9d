"""receptive_field against the brute-force gradient support of a stack of PyTorch convs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook.functional import receptive_field
from cnnbook.functional.receptive_field import ReceptiveField


def support_1d(layers, length: int) -> list[tuple[int, int]]:
    """(first, last) input index with a nonzero gradient, for output positions 0 and 1 of a conv1d stack."""
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, d in layers:  # all-ones weights: no cancellation, so zero gradient means "not seen"
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
    assert y.shape[-1] >= 2, "input too short for the brute-force check"
    spans = []
    for position in (0, 1):
        (grad,) = torch.autograd.grad(y[0, 0, position], x, retain_graph=True)
        nonzero = torch.nonzero(grad[0, 0]).flatten()
        spans.append((int(nonzero[0]), int(nonzero[-1])))
    return spans


layer = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=80, deadline=None)
@given(layers=st.lists(layer, min_size=1, max_size=4))
def test_matches_gradient_support(layers):
    result = receptive_field(layers)
    assert len(result) == len(layers)
    for depth in range(1, len(layers) + 1):
        size, jump = result[depth - 1]
        (a0, b0), (a1, b1) = support_1d(layers[:depth], size + 2 * jump)
        assert b0 - a0 + 1 == size
        assert b1 - a1 + 1 == size
        assert a1 - a0 == jump


def test_two_dimensional_stack():
    layers = [(3, 2, 1), (3, 1, 2), (5, 2, 1)]
    size, jump = receptive_field(layers)[-1]
    x = torch.zeros(1, 1, size + jump, size + jump, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, d in layers:
        y = F.conv2d(y, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, dilation=d)
    (grad,) = torch.autograd.grad(y[0, 0, 0, 0], x)
    rows, cols = np.nonzero(grad[0, 0].numpy())
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (size, size)


def test_book_examples():
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])[-1] == ReceptiveField(15, 1)
    assert [r.size for r in receptive_field([(3, 1, 1)] * 2)] == [3, 5]  # two 3x3 see 5x5
    assert receptive_field([(3, 1, 12)])[0].size == 25                   # rate 12 spans 25x25
    assert receptive_field([]) == []
    (only,) = receptive_field([(7, 2, 1)])
    assert (only.size, only.jump) == (7, 2)


def test_stride_one_closed_form():
    rates = (1, 2, 5, 9)
    assert receptive_field([(3, 1, d) for d in rates])[-1].size == 1 + sum(2 * d for d in rates)


@pytest.mark.parametrize("bad, error, name", [
    ("abc", TypeError, "layers"),
    (5, TypeError, "layers"),
    ([(3, 1)], TypeError, "kernel_size, stride, dilation"),
    ([(3, 1, 1), 3], TypeError, r"layers\[1\]"),
    ([(0, 1, 1)], ValueError, "kernel_size"),
    ([(3, 0, 1)], ValueError, "stride"),
    ([(3, 1, 0)], ValueError, "dilation"),
    ([(3.0, 1, 1)], TypeError, "kernel_size"),
    ([(3, True, 1)], TypeError, "stride"),
])
def test_bad_layers(bad, error, name):
    with pytest.raises(error, match=name):
        receptive_field(bad)
