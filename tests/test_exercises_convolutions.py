"""Every checker of cnnbook.exercises.convolutions: a right answer passes, a wrong one and a stub do not."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.exercises import convolutions as ex
from cnnbook.functional import conv2d, conv_output_size


def _correlate2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def _count_params(c_in, c_out, k, groups, bias):
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)


def _im2col(image, k):
    c, h, w = image.shape
    cols = [image[:, u:u + h - k + 1, v:v + w - k + 1] for u in range(k) for v in range(k)]
    return np.stack(cols, axis=1).reshape(c * k * k, -1)


def _grouped(x, w, g):
    ci, co = x.shape[1] // g, w.shape[0] // g
    return np.concatenate([conv2d(x[:, i * ci:(i + 1) * ci], w[i * co:(i + 1) * co]) for i in range(g)], axis=1)


RIGHT_AND_WRONG = {
    "check_flipped_corner": (1 * 1 + 2 * 2 + 3 * 3 + 6 * 2 + 7 * 1 + 8 * 2 + 2 * 1 + 5 * 1 + 9 * 1, 66),
    "check_correlate2d": (_correlate2d, lambda image, kernel: _correlate2d(image, np.asarray(kernel)[::-1, ::-1])),
    "check_output_size": (4, 3),
    "check_output_size_fn": (lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) // s + 1,
                             lambda i, k, s, p, d: (i + 2 * p - k) // s + 1),
    "check_same_output_sizes": ([7, 8], [7]),
    "check_param_count": (16 * 3 * 25 + 16, 16 * 3 * 25),
    "check_count_params_fn": (_count_params, lambda c_in, c_out, k, groups, bias: c_out * c_in * k * k),
    "check_stack_weights": (lambda n, c: (9 * n * c * c, (2 * n + 1) ** 2 * c * c),
                            lambda n, c: (9 * n * c * c, (3 * n) ** 2 * c * c)),
    "check_strided_via_subsample": (
        lambda x, w, s, p: conv2d(x, w, padding=p)[:, :, ::(s if isinstance(s, int) else s[0]),
                                                   ::(s if isinstance(s, int) else s[1])],
        lambda x, w, s, p: conv2d(x, w, padding=p)[:, :, 1::2, 1::2]),
    "check_grouped_by_hand": (_grouped, lambda x, w, g: conv2d(x, np.tile(w, (1, g, 1, 1)))),
    "check_flops": (2 * 8 * 56 * 56 * 64 * 64 * 9, 8 * 56 * 56 * 64 * 64 * 9),
    "check_im2col_megabytes": (16 * 9 * 128 * 128 * 4 / 1e6, 16 * 128 * 128 * 4 / 1e6),
    "check_im2col_fn": (_im2col, lambda image, k: _im2col(image, k).T),
    "check_conv_by_matmul": (
        lambda x, w: (w.reshape(w.shape[0], -1) @ _im2col(x, w.shape[2])).reshape(
            w.shape[0], x.shape[1] - w.shape[2] + 1, x.shape[2] - w.shape[3] + 1),
        lambda x, w: (w.reshape(w.shape[0], -1) @ _im2col(x, w.shape[2])).reshape(-1)),
    "check_inflation_factor": (25 / 4, 25),
}


def test_every_checker_is_covered():
    assert set(RIGHT_AND_WRONG) == set(ex.__all__)


@pytest.mark.parametrize("name", sorted(RIGHT_AND_WRONG))
def test_right_answer_passes(name, capsys):
    right, _ = RIGHT_AND_WRONG[name]
    verdict = getattr(ex, name)(right)
    assert verdict.status == "correct", verdict.message
    assert "\u2714" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(RIGHT_AND_WRONG))
def test_wrong_answer_fails(name, capsys):
    _, wrong = RIGHT_AND_WRONG[name]
    verdict = getattr(ex, name)(wrong)
    assert not verdict
    assert verdict.status in ("wrong_value", "wrong_shape", "wrong_type", "exception")
    assert "\u2718" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(RIGHT_AND_WRONG))
def test_stub_is_not_implemented(name):
    def stub(*args):
        raise NotImplementedError("write your solution here")

    verdict = getattr(ex, name)(stub)
    assert verdict.status == "not_implemented"


@pytest.mark.parametrize("name, secret", [
    ("check_output_size", str(conv_output_size(7, 3, stride=2, padding=1))),
    ("check_param_count", "1216"),
    ("check_flops", str(2 * 8 * 56 * 56 * 64 * 64 * 9)),
])
def test_checker_never_prints_the_answer(name, secret, capsys):
    getattr(ex, name)(-1)
    assert secret not in capsys.readouterr().out
