"""The convolution-arithmetic figures draw what PyTorch computes: sizes, taps and frames."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnbook.functional.conv import conv_output_size
from cnnbook.functional.transposed import conv_transpose_output_size
from cnnbook.plot.arithmetic import (
    INPUT, INSERTED, PADDING, conv_animation, conv_animation_html, conv_geometry, draw_conv_frame,
)


def _dependencies(i: int, k: int, s: int, p: int, d: int, transposed: bool, a: int = 0) -> np.ndarray:
    """(i*i, o*o) boolean matrix: True where output position (row-major) reads input pixel (row-major).

    One-hot inputs and a kernel of ones: every tap adds a positive number, so nothing cancels.
    """
    x = torch.eye(i * i, dtype=torch.float64).reshape(i * i, 1, i, i)
    w = torch.ones(1, 1, k, k, dtype=torch.float64)
    if transposed:
        y = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=a, dilation=d)
    else:
        y = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    return (y.reshape(i * i, -1) != 0).numpy()


direct_settings = st.tuples(st.integers(1, 7), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3),
                            st.integers(1, 3))


@settings(max_examples=40, deadline=None)
@given(direct_settings)
def test_highlighted_taps_are_the_pixels_each_conv_output_reads(params):
    i, k, s, p, d = params
    assume(d * (k - 1) + 1 <= i + 2 * p)
    g = conv_geometry(i, k, stride=s, padding=p, dilation=d)
    reads = _dependencies(i, k, s, p, d, transposed=False)
    assert g.out_size ** 2 == g.n_steps == reads.shape[1]
    for step in range(g.n_steps):
        taps = g.taps(step)
        assert len(taps) == k * k and all(0 <= r < g.grid_size and 0 <= c < g.grid_size for r, c in taps)
        expected = {divmod(int(n), i) for n in np.flatnonzero(reads[:, step])}
        assert set(g.input_taps(step)) == expected


transposed_settings = st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3),
                                st.integers(1, 3), st.integers(0, 2))


@settings(max_examples=40, deadline=None)
@given(transposed_settings)
def test_transposed_taps_on_real_input_cells_are_the_pixels_each_output_receives(params):
    i, k, s, p, d, a = params
    assume(p <= d * (k - 1) and a < max(s, d))
    assume((i - 1) * s - 2 * p + d * (k - 1) + a + 1 >= 1)
    g = conv_geometry(i, k, stride=s, padding=p, dilation=d, transposed=True, output_padding=a)
    reads = _dependencies(i, k, s, p, d, transposed=True, a=a)
    assert g.n_steps == reads.shape[1]
    for step in range(g.n_steps):
        expected = {divmod(int(n), i) for n in np.flatnonzero(reads[:, step])}
        assert set(g.input_taps(step)) == expected


@settings(max_examples=40, deadline=None)
@given(direct_settings, st.booleans(), st.integers(0, 2))
def test_the_helpers_output_size_is_exactly_the_number_of_windows_that_fit_the_grid(params, transposed, a):
    i, k, s, p, d = params
    if transposed:
        assume(p <= d * (k - 1) and a < max(s, d) and (i - 1) * s - 2 * p + d * (k - 1) + a + 1 >= 1)
    else:
        assume(d * (k - 1) + 1 <= i + 2 * p)
        a = 0
    g = conv_geometry(i, k, stride=s, padding=p, dilation=d, transposed=transposed, output_padding=a)
    last = g.window(g.out_size - 1)[-1]
    assert last < g.grid_size <= g.window(g.out_size)[-1]


@pytest.mark.parametrize("i, k, s, p, d, a", [(4, 3, 1, 0, 1, 0), (3, 3, 2, 1, 1, 1), (2, 4, 3, 2, 2, 2)])
def test_transposed_grid_has_stretched_input_and_q_plus_a_padding(i, k, s, p, d, a):
    g = conv_geometry(i, k, stride=s, padding=p, dilation=d, transposed=True, output_padding=a)
    q = d * (k - 1) - p
    kinds = list(g.axis_kind)
    assert kinds.count(INPUT) == i and kinds.count(INSERTED) == (s - 1) * (i - 1)
    assert kinds[:q] == [PADDING] * q and kinds[len(kinds) - q - a:] == [PADDING] * (q + a)
    assert g.grid_stride == 1 and g.out_size == conv_transpose_output_size(i, k, s, p, a, d)


def test_direct_grid_is_the_input_framed_by_padding():
    g = conv_geometry(5, 3, stride=2, padding=2)
    assert g.axis_kind == (PADDING,) * 2 + (INPUT,) * 5 + (PADDING,) * 2
    assert g.axis_source == (-1, -1, 0, 1, 2, 3, 4, -1, -1)
    assert g.cell_kind(0, 4) == PADDING and g.cell_kind(4, 4) == INPUT
    assert g.out_size == conv_output_size(5, 3, stride=2, padding=2) == 4


def _square_corners(collection) -> list[tuple[float, float]]:
    return [tuple(path.vertices[0]) for path in collection.get_paths()]


def test_frame_highlights_the_taps_and_the_output_cell():
    fig, ax = plt.subplots()
    g = draw_conv_frame(ax, 5, 3, stride=2, padding=1, dilation=1, step=5)
    drawn = {c.get_gid(): c for c in ax.collections}
    assert sorted((int(y), int(x)) for x, y in _square_corners(drawn["tap"])) == sorted(g.taps(5))
    (x, y), = _square_corners(drawn["output now"])
    assert (y - (g.grid_size - g.out_size) / 2, x - g.grid_size - 1.5) == g.output_cell(5) == (1, 2)
    assert len(drawn["output"].get_paths()) == g.out_size ** 2
    assert len(drawn[PADDING].get_paths()) == g.grid_size ** 2 - 25
    assert ax.get_title() == "i=5, k=3, s=2, p=1"
    plt.close(fig)


def test_transposed_frame_draws_inserted_zeros_and_names_its_parameters():
    fig, ax = plt.subplots()
    g = draw_conv_frame(ax, 2, 3, stride=2, padding=1, step=0, transposed=True, output_padding=1)
    drawn = {c.get_gid(): c for c in ax.collections}
    assert len(drawn[INSERTED].get_paths()) == 3 * 3 - 2 * 2  # the stretched 3x3 input minus its 4 pixels
    assert ax.get_title() == "transposed: i'=2, k=3, s=2, p=1, a=1" and g.out_size == 4
    plt.close(fig)


def test_animation_has_one_frame_per_output_position():
    anim = conv_animation(3, 2, padding=0)
    assert len(list(anim.new_frame_seq())) == 4
    html = anim.to_jshtml()
    assert len(re.findall(r"frames\[\d+\] = ", html)) == 4
    plt.close("all")


@pytest.mark.parametrize("kwargs", [dict(in_size=3, kernel_size=3, padding=1),
                                    dict(in_size=1, kernel_size=2, stride=2, padding=0, transposed=True,
                                         output_padding=1)])
def test_html_animation_is_offline_small_and_has_one_frame_per_output_position(kwargs):
    html = conv_animation_html(**kwargs).data
    assert len(re.findall(r"frames\[\d+\] = ", html)) == 9
    assert "font-awesome" not in html and len(html) < 100_000
    assert not plt.get_fignums()


@pytest.mark.parametrize("kwargs, name", [
    (dict(in_size=0, kernel_size=3), "in_size"),
    (dict(in_size=5, kernel_size=0), "kernel_size"),
    (dict(in_size=5, kernel_size=3, stride=0), "stride"),
    (dict(in_size=5, kernel_size=3, dilation=0), "dilation"),
    (dict(in_size=5, kernel_size=3, padding=-1), "padding"),
    (dict(in_size=3, kernel_size=5), "kernel_size"),
    (dict(in_size=5, kernel_size=3, output_padding=1), "output_padding"),
    (dict(in_size=5, kernel_size=3, stride=2, output_padding=2, transposed=True), "output_padding"),
    (dict(in_size=5, kernel_size=3, padding=3, transposed=True), "padding"),
    (dict(in_size=5, kernel_size=3, transposed="yes"), "transposed"),
])
def test_bad_arguments_raise_value_error_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        conv_geometry(**kwargs)


def test_wrong_types_and_steps_are_rejected_by_name():
    with pytest.raises(TypeError, match="in_size"):
        conv_geometry(4.0, 3)
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="step"):
        draw_conv_frame(ax, 4, 3, step=4)
    with pytest.raises(ValueError, match="step"):
        draw_conv_frame(ax, 4, 3, step=-1)
    assert not ax.collections  # nothing drawn before the check
    plt.close(fig)
    with pytest.raises(ValueError, match="dpi"):
        conv_animation_html(4, 3, dpi=0)
