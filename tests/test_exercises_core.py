"""The checker pattern: every kind of wrong answer gets its own verdict, and the answer is never printed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnbook.exercises import Verdict, check, compare

SECRET = np.array([[66.0, 77.0, 86.0], [84.0, 96.0, 79.0]])


def reference(a, b):
    return np.asarray(a, dtype=float) * b


CASES = [(np.arange(6.0).reshape(2, 3), 2.0), (np.ones((4, 4)), -1.5)]


def run(answer, capsys, **kwargs):
    verdict = check(answer, SECRET if "cases" not in kwargs else reference, **kwargs)
    out = capsys.readouterr().out
    return verdict, out


def test_correct_value_prints_a_tick(capsys):
    verdict, out = run(SECRET.copy(), capsys)
    assert verdict.status == "correct" and bool(verdict)
    assert out.startswith("\u2714")


def test_wrong_shape_is_reported_without_the_expected_shape(capsys):
    verdict, out = run(np.zeros((3, 2)), capsys)
    assert verdict.status == "wrong_shape"
    assert "(3, 2)" in out and "(2, 3)" not in out


def test_wrong_dtype_is_reported(capsys):
    verdict, out = run(np.array([[True, False, True], [True, True, True]]), capsys)
    assert verdict.status == "wrong_dtype"
    assert "bool" in out


def test_wrong_value_names_the_first_bad_index_and_hides_the_expected_value(capsys):
    answer = SECRET.copy()
    answer[1, 2] = 80.0
    verdict, out = run(answer, capsys)
    assert verdict.status == "wrong_value"
    assert "(1, 2)" in out and "80.0" in out
    assert "79" not in out


def test_function_that_raises_is_reported_with_its_message(capsys):
    def answer(a, b):
        raise KeyError("boom")

    verdict, out = run(answer, capsys, cases=CASES)
    assert verdict.status == "exception"
    assert "KeyError" in out and "boom" in out


def test_not_implemented_stub_is_reported_as_not_implemented_yet(capsys):
    def answer(a, b):
        raise NotImplementedError("Exercise: replace this line with your solution")

    verdict, out = run(answer, capsys, cases=CASES)
    assert verdict.status == "not_implemented"
    assert "not implemented yet" in out


def test_ellipsis_placeholder_is_not_implemented(capsys):
    verdict, out = run(..., capsys)
    assert verdict.status == "not_implemented"


def test_missing_return_is_a_wrong_type_with_a_hint(capsys):
    verdict, out = run(lambda a, b: None, capsys, cases=CASES)
    assert verdict.status == "wrong_type"
    assert "return" in out


def test_value_where_a_function_is_expected_is_a_wrong_type(capsys):
    verdict, out = run(42, capsys, cases=CASES)
    assert verdict.status == "wrong_type"
    assert "function" in out


def test_function_checked_on_every_case_reports_the_failing_case(capsys):
    def answer(a, b):
        return reference(a, b) if a.shape == (2, 3) else reference(a, b) + 1

    verdict, out = run(answer, capsys, cases=CASES)
    assert verdict.status == "wrong_value"
    assert "test case 2 of 2" in out


def test_correct_function_passes_all_cases(capsys):
    verdict, out = run(reference, capsys, cases=CASES)
    assert verdict.status == "correct"
    assert "2 test cases" in out


def test_torch_tensors_are_accepted_as_answers(capsys):
    verdict, _ = run(torch.tensor(SECRET), capsys)
    assert verdict.status == "correct"


def test_value_answer_given_as_a_zero_argument_function_is_called(capsys):
    verdict, _ = run(lambda: SECRET, capsys)
    assert verdict.status == "correct"


def test_checker_never_raises_on_unconvertible_answers(capsys):
    verdict, out = run(object(), capsys)
    assert verdict.status == "wrong_type"


def test_scalar_wrong_value_hides_the_expected_number(capsys):
    verdict = check(3.0, 7.0, name="size")
    out = capsys.readouterr().out
    assert verdict.status == "wrong_value" and "7" not in out and "3.0" in out


def test_compare_does_not_print(capsys):
    verdict = compare(1, 2)
    assert isinstance(verdict, Verdict) and verdict.status == "wrong_value"
    assert capsys.readouterr().out == ""


def test_verdict_shows_nothing_extra_in_a_notebook():
    verdict = Verdict("correct", "ok")
    assert verdict._ipython_display_() is None
    assert repr(verdict) == "Verdict(status='correct')"


@pytest.mark.parametrize("tolerance_case", [1e-9, 1e-7])
def test_values_within_tolerance_are_correct(capsys, tolerance_case):
    verdict, _ = run(SECRET * (1 + tolerance_case), capsys)
    assert verdict.status == "correct"
