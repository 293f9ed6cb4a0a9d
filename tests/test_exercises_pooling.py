"""Each checker of the pooling chapter: a right answer passes, a wrong one and a stub do not."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.exercises import pooling as ex


def stub(*args):
    raise NotImplementedError("write your answer here")


def block_max_pool(x, k):
    h, w = x.shape[0] // k * k, x.shape[1] // k * k
    return x[:h, :w].reshape(h // k, k, w // k, k).max(axis=(1, 3))


def block_max_pool_no_crop(x, k):
    """Wrong: only right when the size is a multiple of k."""
    return x.reshape(x.shape[0] // k, k, -1, k).max(axis=(1, 3))


def unpool_plane(values, indices, shape):
    out = np.zeros(shape[0] * shape[1])
    out[indices.ravel()] = values.ravel()
    return out.reshape(shape)


def unpool_plane_wrong(values, indices, shape):
    """Wrong: puts every value at the top-left of its window."""
    return np.kron(values, np.array([[1.0, 0.0], [0.0, 0.0]]))[: shape[0], : shape[1]]


def quarter_weights():
    w = np.zeros((4, 4))
    w[1:3, 1:3] = 0.25
    return w


CASES = [
    (ex.check_ceil_output_size, lambda: (3, 3), lambda: (3, 4)),
    (ex.check_tie_indices, lambda: np.array([[0, 3], [8, 10]]), lambda: np.array([[1, 3], [8, 15]])),
    (ex.check_block_max_pool, block_max_pool, block_max_pool_no_crop),
    (ex.check_unpool_plane, unpool_plane, unpool_plane_wrong),
    (ex.check_bilinear_quarter_weights, quarter_weights, lambda: np.full((4, 4), 1 / 16)),
    (ex.check_shift_survival, lambda: 4 / 7, lambda: 0.5),
]


@pytest.mark.parametrize("checker, right, wrong", CASES, ids=[c[0].__name__ for c in CASES])
def test_checker_accepts_right_rejects_wrong_and_stub(checker, right, wrong, capsys):
    assert checker(right).status == "correct"
    assert checker(wrong).status != "correct"
    assert checker(stub).status == "not_implemented"
    printed = capsys.readouterr().out
    assert "correct" in printed and "not implemented" in printed


def test_checkers_never_print_the_expected_answer(capsys):
    ex.check_ceil_output_size(lambda: (2, 2))
    assert "3" not in capsys.readouterr().out
    ex.check_tie_indices(lambda: np.zeros((2, 2), int))
    printed = capsys.readouterr().out
    assert "wrong value" in printed and "10" not in printed and "8" not in printed


@pytest.mark.parametrize("shortcut", [
    lambda: tuple((7 + 2 * p - 2) // 3 + 1 for p in (0, 1)),           # the floor formula
    lambda: tuple(-(-(7 + 2 * p - 2) // 3) + 1 for p in (0, 1)),        # the plain ceiling
], ids=["floor", "naive_ceiling"])
def test_ceil_checker_rejects_the_floor_and_the_plain_ceiling(shortcut, capsys):
    assert ex.check_ceil_output_size(shortcut).status != "correct"
