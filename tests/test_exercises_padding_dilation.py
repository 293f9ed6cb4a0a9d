"""Each checker of the padding and dilation chapters: a right answer, a wrong one and a stub."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.exercises import dilation as exd
from cnnbook.exercises import padding as exp


def stub(*args):
    raise NotImplementedError("write your answer here")


# ----- padding -----------------------------------------------------------------------------

def reflect_pad_1d(x, left, right):
    x = np.asarray(x, dtype=float)
    idx = np.abs(np.arange(-left, len(x) + right))
    idx = np.where(idx > len(x) - 1, 2 * (len(x) - 1) - idx, idx)
    return x[idx]


def tf_same_padding(size, kernel_size, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel_size - size, 0)
    return total // 2, total - total // 2


def conv2d_tf_same(x, w, stride):
    (t, b), (l, r) = tf_same_padding(x.shape[2], w.shape[2], stride), tf_same_padding(x.shape[3], w.shape[3], stride)
    return F.conv2d(F.pad(x, (l, r, t, b)), w, stride=stride)


PADDING_CASES = [
    (exp.check_tf_same_by_hand, lambda: (3, 1, 2), lambda: (2, 1, 2)),
    (exp.check_zero_padding_border, lambda: (4 / 9, 6 / 9), lambda: (1.0, 1.0)),
    (exp.check_reflect_pad_1d, reflect_pad_1d, lambda x, l, r: np.concatenate([x[:l][::-1], x, x[len(x) - r:][::-1]])),
    (exp.check_tf_same_padding, tf_same_padding, lambda i, k, s: ((k - 1) // 2, (k - 1) // 2)),
    (exp.check_conv2d_tf_same, conv2d_tf_same, lambda x, w, s: F.conv2d(x, w, stride=s, padding=w.shape[-1] // 2)),
    (exp.check_modes_that_fit, lambda: ("replicate", "constant"), lambda: ["constant", "replicate", "circular"]),
]

DILATION_CASES = [
    (exd.check_gap_convention, lambda k, g: k + (k - 1) * g, lambda k, g: k + (k - 1) * (g - 1)),
    (exd.check_dilate_kernel,
     lambda w, d: _dilate(w, d),
     lambda w, d: np.pad(w, d - 1)),
    (exd.check_receptive_field_size, lambda layers: _rf(layers), lambda layers: 1 + sum((k - 1) * d for k, s, d in layers)),
    (exd.check_gridding, lambda: (13, 7), lambda: (13, 13)),
    (exd.check_aspp_parameters, lambda: _aspp_count(64, 32, 3), lambda: _aspp_count(64, 32, 3) - 64),
    (exd.check_degenerate_rate, lambda: 12, lambda: 6),
]


def _dilate(w, d):
    w = np.asarray(w)
    k = w.shape[0]
    out = np.zeros((d * (k - 1) + 1,) * 2)
    out[::d, ::d] = w
    return out


def _rf(layers):
    size, jump = 1, 1
    for k, s, d in layers:
        size += d * (k - 1) * jump
        jump *= s
    return size


def _aspp_count(cin, cout, n_rates):
    return cout * cin * (2 + 9 * n_rates) + (n_rates + 2) * cout * cout + 2 * cout * (n_rates + 3)


@pytest.mark.parametrize("checker, right, wrong", PADDING_CASES + DILATION_CASES,
                         ids=[c[0].__name__ for c in PADDING_CASES + DILATION_CASES])
def test_checker(checker, right, wrong, capsys):
    assert checker(right).status == "correct"
    verdict = checker(wrong)
    assert verdict.status in ("wrong_value", "wrong_shape")
    assert checker(stub).status == "not_implemented"
    printed = capsys.readouterr().out
    assert "not implemented yet" in printed


def test_checkers_never_print_the_reference(capsys):
    exp.check_tf_same_by_hand(lambda: (0, 0, 0))
    exd.check_aspp_parameters(lambda: 1)
    exd.check_degenerate_rate(lambda: 1)
    printed = capsys.readouterr().out
    assert str(_aspp_count(64, 32, 3)) not in printed
    assert "(3, 1, 2)" not in printed and "12" not in printed


def test_wrong_type_answers():
    assert exp.check_reflect_pad_1d(42).status == "wrong_type"
    assert exd.check_gap_convention(None).status == "wrong_type"
    assert exp.check_modes_that_fit(lambda: None).status == "wrong_type"
    assert exd.check_dilate_kernel(lambda w, d: torch.zeros(2)).status == "wrong_shape"
