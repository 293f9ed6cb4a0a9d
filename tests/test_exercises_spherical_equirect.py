"""Each checker of the spherical (part 1) exercises accepts a right answer, rejects a wrong one,
reports a NotImplementedError stub, and never prints the expected value."""

import math

import numpy as np
import pytest

from cnnbook.exercises import spherical_equirect as ex


def _stub(*args):
    raise NotImplementedError("write your answer here")


def _lat(v, h):
    return 90 - 180 * (v + 0.5) / h


def _omega(v, h, w):
    top, bot = math.pi / 2 - math.pi * v / h, math.pi / 2 - math.pi * (v + 1) / h
    return 2 * math.pi / w * (math.sin(top) - math.sin(bot))


def _pad(x, p):
    return np.concatenate([x[len(x) - p:], x, x[:p]]) if p else x.copy()


def _coords(h, w):
    rows = np.linspace(-1, 1, h) if h > 1 else np.zeros(1)
    cols = np.linspace(-1, 1, w) if w > 1 else np.zeros(1)
    return np.stack([np.repeat(rows[:, None], w, 1), np.repeat(cols[None, :], h, 0)])


def _tap(v, h, w):
    phi = math.pi / 2 - math.pi * (v + 0.5) / h
    return math.atan2(math.tan(math.pi / h), math.cos(phi)) * w / (2 * math.pi)


RIGHT = [
    (ex.check_row_latitude, _lat, lambda v, h: _lat(v, h) + 0.5),
    (ex.check_row_solid_angle, _omega, lambda v, h, w: 4 * math.pi / (h * w)),
    (ex.check_pole_equator_ratio, lambda: _omega(0, 32, 64) / _omega(15, 32, 64), lambda: 0.5),
    (ex.check_circular_pad_1d, _pad, lambda x, p: np.concatenate([np.zeros(p), x, np.zeros(p)])),
    (ex.check_exact_shifts, lambda: list(range(0, 48, 4)), lambda: list(range(0, 48, 2))),
    (ex.check_seam_radius, lambda: 6, lambda: 7),
    (ex.check_coord_channels, _coords, lambda h, w: _coords(h, w)[::-1]),
    (ex.check_coordconv_parameters, lambda: 16 * 6 * 9 + 16, lambda: 16 * 5 * 9 + 16),
    (ex.check_quadrant_test_size, lambda: 27 * 27, lambda: 28 * 28),
    (ex.check_tap_offset, _tap, lambda v, h, w: 1.0),
    (ex.check_sphconv_kernel_count, lambda: 16, lambda: 32),
    (ex.check_sphconv_weight_count,
     lambda: 5 * (31 + 25 + 13 + 9) + 3 * (7 + 7 + 5 * 7 + 3 * 3), lambda: 9 * 16),
]


@pytest.mark.parametrize("checker, right, wrong", RIGHT, ids=[c.__name__ for c, _, _ in RIGHT])
def test_checker_verdicts(checker, right, wrong, capsys):
    assert checker(right).status == "correct"
    verdict = checker(wrong)
    assert verdict.status in ("wrong_value", "wrong_shape")
    assert checker(_stub).status == "not_implemented"
    out = capsys.readouterr().out
    assert "correct" in out and "not implemented" in out
