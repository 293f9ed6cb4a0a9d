"""Each checker of the transposed/gated chapter accepts a right answer, rejects a wrong one and a stub,
and never prints the expected answer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.exercises import transposed_gated as ex


def stub(*args):
    raise NotImplementedError("write your code here")


# ---------- right answers (written independently of the package, as a learner would)

def conv_transpose1d(x, w, stride):
    out = np.zeros((len(x) - 1) * stride + len(w))
    for i, value in enumerate(x):
        out[i * stride:i * stride + len(w)] += value * np.asarray(w)
    return out


def overlap_counts(length, k, s):
    return conv_transpose1d(np.ones(length), np.ones(k), s)


def output_padding_for(n, k, s, p):
    return (n + 2 * p - k) % s


def conv_matrix(w, size, stride):
    k = w.shape[0]
    o = (size - k) // stride + 1
    c = np.zeros((o * o, size * size))
    for i in range(o):
        for j in range(o):
            block = np.zeros((size, size))
            block[i * stride:i * stride + k, j * stride:j * stride + k] = w
            c[i * o + j] = block.ravel()
    return c


def even_overlap(k, s):
    return k % s == 0


def gated_activation(f, g):
    return F.elu(f) * torch.sigmoid(g)


def mask_update(valid, k):
    valid = np.pad(np.asarray(valid, dtype=float), k // 2)
    h, w = valid.shape[0] - 2 * (k // 2), valid.shape[1] - 2 * (k // 2)
    return np.array([[valid[i:i + k, j:j + k].sum() > 0 for j in range(w)] for i in range(h)])


def partial_scale():
    counts = np.full((5, 5), 9.0)
    counts[[0, -1], :] = 6
    counts[:, [0, -1]] = 6
    counts[0, 0] = counts[0, -1] = counts[-1, 0] = counts[-1, -1] = 4
    return 9.0 / counts


def split_gated(x, weight, bias):
    y = F.conv2d(x, weight, bias, padding=weight.shape[-1] // 2)
    f, g = y.chunk(2, dim=1)
    return F.elu(f) * torch.sigmoid(g)


CASES = [
    (ex.check_transposed_size_by_hand, 9, 10),
    (ex.check_conv_transpose1d, conv_transpose1d, lambda x, w, s: conv_transpose1d(x, w, 1)),
    (ex.check_overlap_counts, overlap_counts, lambda n, k, s: np.ones((n - 1) * s + k)),
    (ex.check_output_padding_for, output_padding_for, lambda n, k, s, p: 0),
    (ex.check_conv_matrix, conv_matrix, lambda w, size, s: conv_matrix(w[::-1, ::-1], size, s)),
    (ex.check_even_overlap, even_overlap, lambda k, s: s <= k),
    # wrong: the old reading of DeepFill v2's conv1 as 48 gated channels with a 3x3 kernel
    (ex.check_gated_parameter_count, 2 * 24 * (5 * 25 + 1), 2 * 48 * (5 * 9 + 1)),
    (ex.check_gated_activation, gated_activation, lambda f, g: torch.relu(f) * torch.sigmoid(g)),
    (ex.check_mask_update, mask_update, lambda valid, k: np.asarray(valid) > 0),
    (ex.check_partial_conv_scale, partial_scale, lambda: np.ones((5, 5))),
    (ex.check_split_gated, split_gated, lambda x, w, b: split_gated(x, w.flip(0), b.flip(0))),
]


@pytest.mark.parametrize("checker, right, wrong", CASES, ids=[c[0].__name__ for c in CASES])
def test_checker_verdicts(checker, right, wrong, capsys):
    assert checker(right).status == "correct"
    assert checker(wrong).status in ("wrong_value", "wrong_shape")
    assert checker(stub).status == "not_implemented"


def test_scalar_checkers_do_not_print_the_answer(capsys):
    ex.check_transposed_size_by_hand(10)
    ex.check_gated_parameter_count(1)
    out = capsys.readouterr().out
    assert " 9" not in out and "6048" not in out


def test_parameter_count_exercise_is_deepfill_v2_conv1_split_in_24_feature_and_24_gate_channels():
    # JiahuiYu/generative_inpainting v2.0.0: gen_conv(x, cnum=48, ksize=5) on [image, ones, mask] runs one
    # 5x5 conv with 48 output channels and splits it into 24 ELU features times 24 sigmoid gates.
    from torch import nn

    from cnnbook.nn.gated import GatedConv2d

    one_conv = nn.Conv2d(5, 48, 5, padding=2)
    gated = GatedConv2d(5, 24, 5, padding=2)
    with torch.no_grad():
        gated.feature.weight.copy_(one_conv.weight[:24])
        gated.feature.bias.copy_(one_conv.bias[:24])
        gated.gate.weight.copy_(one_conv.weight[24:])
        gated.gate.bias.copy_(one_conv.bias[24:])
    x = torch.randn(2, 5, 9, 9, generator=torch.Generator().manual_seed(0))
    features, gates = one_conv(x).chunk(2, dim=1)
    torch.testing.assert_close(gated(x), F.elu(features) * torch.sigmoid(gates))
    n_params = sum(p.numel() for p in gated.parameters())
    assert n_params == sum(p.numel() for p in one_conv.parameters()) == 6048
    assert ex.check_gated_parameter_count(n_params).status == "correct"
