"""The checkers of the convolution-arithmetic gallery: right, wrong and stub answers, cheats, and fair play."""

from __future__ import annotations

import inspect
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import cnnbook.exercises._core as core
import cnnbook.functional as cf
from cnnbook.exercises import arithmetic as exa
from cnnbook.plot.arithmetic import conv_geometry

CHECKERS = [getattr(exa, name) for name in exa.__all__]


def stub(*args):
    raise NotImplementedError("write your answer here")


def window_inputs(i, k, s, p, d, j):
    first = j * s - p
    return [first + u * d for u in range(k) if 0 <= first + u * d < i]


def window_with_padding(i, k, s, p, d, j):  # forgets to drop the padding positions
    return [j * s - p + u * d for u in range(k)]


def transposed_as_conv(x, w, stride, padding, output_padding):
    _, _, h, wd = x.shape
    k = w.shape[-1]
    stretched = torch.zeros(1, 1, (h - 1) * stride + 1, (wd - 1) * stride + 1, dtype=x.dtype)
    stretched[:, :, ::stride, ::stride] = x
    q = k - 1 - padding
    padded = F.pad(stretched, (q, q + output_padding, q, q + output_padding))
    return F.conv2d(padded, w.flip(-1, -2))


def transposed_without_flip(x, w, stride, padding, output_padding):
    return transposed_as_conv(x, w.flip(-1, -2), stride, padding, output_padding)


CASES = [
    (exa.check_equivalent_conv_by_hand, lambda: (5, 2, 3, 7), lambda: (5, 2, 2, 6)),
    (exa.check_window_inputs, window_inputs, window_with_padding),
    (exa.check_transposed_as_conv, transposed_as_conv, transposed_without_flip),
]


@pytest.mark.parametrize("checker, right, wrong", CASES, ids=[c[0].__name__ for c in CASES])
def test_checker_accepts_the_right_answer_rejects_a_wrong_one_and_reports_a_stub(checker, right, wrong, capsys):
    assert checker(right).status == "correct"
    assert checker(wrong).status in ("wrong_value", "wrong_shape")
    assert checker(stub).status == "not_implemented"
    assert "not implemented yet" in capsys.readouterr().out


def test_the_by_hand_reference_is_the_equivalent_convolution_of_pytorchs_layer():
    """3x3 input, k=4, s=2, p=1, output_padding=1: the stretched input is 5 wide, padded by 2 and 3, and
    PyTorch's ConvTranspose2d and the stride-1 conv on that grid both give 7."""
    x, w = torch.randn(1, 1, 3, 3, dtype=torch.float64), torch.randn(1, 1, 4, 4, dtype=torch.float64)
    expected = F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    torch.testing.assert_close(transposed_as_conv(x, w, 2, 1, 1), expected)
    assert expected.shape[-1] == 7 == 5 + 2 + 3 - 4 + 1
    assert exa.check_equivalent_conv_by_hand(lambda: (5, 2, 3, 7)).status == "correct"


def test_the_window_reference_matches_pytorchs_dependencies():
    for i, k, s, p, d, j in exa.WINDOW_CASES:
        x = torch.eye(i, dtype=torch.float64).reshape(i, 1, i)
        y = F.conv1d(x, torch.ones(1, 1, k, dtype=torch.float64), stride=s, padding=p, dilation=d)
        assert exa._reference_window(i, k, s, p, d, j) == [int(n) for n in torch.nonzero(y[:, 0, j]).flatten()]


def test_the_checkers_never_print_the_reference(capsys):
    exa.check_equivalent_conv_by_hand(lambda: (0, 0, 0, 0))
    exa.check_window_inputs(lambda *args: [0])
    printed = capsys.readouterr().out
    assert "(5, 2, 3, 7)" not in printed and "5, 2, 3, 7" not in printed
    assert "[0, 1, 2]" not in printed


def _window_from_the_figure(i, k, s, p, d, j):
    g = conv_geometry(i, k, s, p, d)
    return [g.axis_source[r] for r in g.window(j) if g.axis_source[r] >= 0]


CHEATS = [
    (exa.check_equivalent_conv_by_hand,
     lambda: (5, 2, 3, cf.conv_transpose_output_size(3, 4, stride=2, padding=1, output_padding=1))),
    (exa.check_window_inputs, _window_from_the_figure),
    (exa.check_window_inputs,
     lambda i, k, s, p, d, j: [int(n) for n in torch.nonzero(F.conv1d(
         torch.eye(i, dtype=torch.float64).reshape(i, 1, i), torch.ones(1, 1, k, dtype=torch.float64),
         stride=s, padding=p, dilation=d)[:, 0, j]).flatten()]),
    (exa.check_transposed_as_conv, lambda x, w, s, p, a: F.conv_transpose2d(x, w, stride=s, padding=p,
                                                                            output_padding=a)),
    (exa.check_transposed_as_conv, lambda x, w, s, p, a: torch.from_numpy(
        cf.conv_transpose2d_zero_insertion(x.numpy(), w.numpy(), stride=s, padding=p, output_padding=a))),
]


@pytest.mark.parametrize("checker, cheat", CHEATS, ids=[f"{c.__name__}-{n}" for n, (c, _) in enumerate(CHEATS)])
def test_an_answer_that_calls_the_reference_is_rejected_though_it_would_be_right(checker, cheat, monkeypatch, capsys):
    assert checker(cheat).status == "uses_reference"
    assert "your own implementation" in capsys.readouterr().out
    monkeypatch.setattr(core._Tracer, "verdict", lambda self, name: None)
    assert checker(cheat).status == "correct"


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def _zero_inputs(*args):
    for arg in args:
        if isinstance(arg, torch.Tensor):
            arg.zero_()
    first = args[0] if args else 0
    return torch.zeros_like(first) if isinstance(first, torch.Tensor) else np.zeros_like(np.asarray(first, dtype=float))


@pytest.mark.parametrize("checker", CHECKERS, ids=[c.__name__ for c in CHECKERS])
def test_no_checker_is_fooled_by_equal_to_everything_or_by_zeroing_its_inputs(checker):
    assert checker(AlwaysEqual()).status != "correct"
    assert checker(lambda *args: AlwaysEqual()).status != "correct"
    assert checker(_zero_inputs).status != "correct"


@pytest.mark.parametrize("checker", CHECKERS, ids=[c.__name__ for c in CHECKERS])
def test_no_checker_changes_the_global_rng_states(checker):
    def draws(*args):
        random.random()
        np.random.rand()
        torch.rand(1)
        raise NotImplementedError

    before = random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone()
    checker(draws)
    assert random.getstate() == before[0]
    np.testing.assert_array_equal(np.random.get_state()[1], before[1])
    assert torch.equal(torch.get_rng_state(), before[2])
    assert hasattr(checker, "__wrapped__")


def test_the_checker_module_never_reseeds_the_global_rng():
    source = inspect.getsource(exa)
    assert "torch.manual_seed" not in source and "np.random.seed" not in source
