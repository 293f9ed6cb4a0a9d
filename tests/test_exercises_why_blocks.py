"""Exercise checkers of "Why convolutions" and "Convolutional blocks": each accepts a right answer,
rejects a wrong one, reports a NotImplementedError stub as not implemented, and never prints the
reference."""

import re

import torch
import torch.nn.functional as F
import pytest

from cnnbook.exercises import blocks as exb
from cnnbook.exercises import why_convolutions as exw


def stub(*args):
    raise NotImplementedError("write your answer here")


def right_conv_matrix(weight, height, width):
    kh, kw = weight.shape
    oh, ow = height - kh + 1, width - kw + 1
    m = torch.zeros(oh * ow, height * width, dtype=weight.dtype)
    for i in range(oh):
        for j in range(ow):
            for u in range(kh):
                for v in range(kw):
                    m[i * ow + j, (i + u) * width + (j + v)] = weight[u, v]
    return m


def right_rf_size(model, input_shape, index):
    x = torch.randn(2, *input_shape, generator=torch.Generator().manual_seed(9), requires_grad=True)
    c, i, j = index
    model(x)[:, c, i, j].sum().backward()
    hit = x.grad.abs().sum(dim=(0, 1)) > 0
    rows = torch.nonzero(hit.any(dim=1)).flatten()
    cols = torch.nonzero(hit.any(dim=0)).flatten()
    return (int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1))


def right_locally_connected(x, weight):
    oh, ow, kh, kw = weight.shape
    y = torch.zeros(oh, ow, dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            y[i, j] = (weight[i, j] * x[i : i + kh, j : j + kw]).sum()
    return y


def shared_kernel_instead(x, weight):
    """A convolution with the first position's kernel everywhere: right only if all kernels are equal."""
    return F.conv2d(x[None, None], weight[0, 0][None, None])[0, 0]


def right_match_size(x, size):
    x = x[..., : size[0], : size[1]]
    return F.pad(x, (0, size[1] - x.shape[-1], 0, size[0] - x.shape[-2]))


def right_unet_params(c_in, c_out, widths, mode):
    up = 16 if mode == "transposed" else 9
    total = 9 * c_in * widths[0] + 2 * widths[0] + widths[0] * c_out + c_out
    for a, b in zip(widths[:-1], widths[1:]):
        total += 9 * a * b + 2 * b + up * b * a + 2 * a + 18 * a * a + 2 * a
    return total


CASES = [
    (exw.check_dense_vs_conv_params, (3072 * 16384 + 16384, 3 * 16 * 25 + 16), (3072 * 16384, 3 * 16 * 25)),
    (exw.check_stack_receptive_field, 12, 11),
    (exw.check_conv_matrix, right_conv_matrix, lambda w, h, ww: right_conv_matrix(w.T, ww, h)),
    (exw.check_equivariant_shifts, [0, 4, 8], [0, 2, 4, 6, 8]),
    (exw.check_receptive_field_size, right_rf_size, lambda m, s, i: (3, 3)),
    (exw.check_locally_connected, right_locally_connected, shared_kernel_instead),
    (exb.check_vgg_params, 9 * 64 * 128 + 9 * 128 * 128 + 256, 9 * 64 * 128 + 9 * 128 * 128),
    (exb.check_encoder_shape, (1, 32, 19, 23), (1, 32, 18, 22)),
    (exb.check_stacked_vs_single, (2 * 9 * 64 * 64, 25 * 64 * 64), (9 * 64 * 64, 25 * 64 * 64)),
    (exb.check_match_size, right_match_size, lambda x, size: x[..., : size[0], : size[1]]),
    (exb.check_unet_params, right_unet_params, lambda a, b, w, m: right_unet_params(a, b, w, "bilinear")),
]


@pytest.mark.parametrize("checker, right, wrong", CASES, ids=[c[0].__name__ for c in CASES])
def test_checker_verdicts(checker, right, wrong, capsys):
    assert checker(right).status == "correct"
    verdict = checker(wrong)
    assert not verdict and verdict.status in {"wrong_value", "wrong_shape", "exception"}
    assert checker(stub).status == "not_implemented"
    assert "not implemented" in capsys.readouterr().out


def test_checkers_never_print_the_reference(capsys):
    exw.check_stack_receptive_field(11)
    exb.check_vgg_params(1)
    exb.check_encoder_shape((1, 32, 1, 1))
    out = capsys.readouterr().out
    assert not re.search(r"\b12\b", out), out
    assert str(9 * 64 * 128 + 9 * 128 * 128 + 256) not in out and not re.search(r"\b19\b", out), out


def test_equivariant_shifts_accepts_a_set():
    assert exw.check_equivariant_shifts({0, 4, 8})
