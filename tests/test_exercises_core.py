"""The checker pattern: every kind of wrong answer gets its own verdict, and the answer is never printed."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import cnnbook.functional
import cnnbook.functional.conv as cf_conv
from cnnbook.exercises import Verdict, check, compare
from cnnbook.exercises._core import STATUSES, checker, forbid_when
from cnnbook.functional.conv import conv2d

SECRET = np.array([[66.0, 77.0, 86.0], [84.0, 96.0, 79.0]])


def reference(a, b):
    return np.asarray(a, dtype=float) * b


CASES = [(np.arange(6.0).reshape(2, 3), 2.0), (np.ones((4, 4)), -1.5)]
_rng = np.random.default_rng(0)
CONV_CASES = [(_rng.standard_normal((1, 2, 5, 6)), _rng.standard_normal((3, 2, 3, 3))),
              (_rng.standard_normal((2, 1, 4, 4)), _rng.standard_normal((1, 1, 2, 2)))]


def _from_import_answer(x, w):
    """Calls the reference through a name imported with ``from cnnbook.functional.conv import conv2d``."""
    return conv2d(x, w)


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


def test_uses_reference_is_a_known_status():
    assert "uses_reference" in STATUSES


def test_verdict_shows_nothing_extra_in_a_notebook():
    verdict = Verdict("correct", "ok")
    assert verdict._ipython_display_() is None
    assert repr(verdict) == "Verdict(status='correct')"


@pytest.mark.parametrize("tolerance_case", [1e-9, 1e-7])
def test_values_within_tolerance_are_correct(capsys, tolerance_case):
    verdict, _ = run(SECRET * (1 + tolerance_case), capsys)
    assert verdict.status == "correct"


# ----- answers that try to fool the checker -------------------------------------------------------------

def _zero_in_place(a, b):
    """Zeroes its input in place and returns zeros: right only if the reference ran on the same object."""
    a[...] = 0.0
    return np.zeros_like(a)


def test_function_that_zeroes_its_input_in_place_is_rejected(capsys):
    verdict, _ = run(_zero_in_place, capsys, cases=CASES)
    assert verdict.status == "wrong_value"


def test_reference_that_mutates_its_input_does_not_change_what_the_learner_sees(capsys):
    def mutating_reference(a, b):
        result = np.asarray(a, dtype=float) * b
        a[...] = -1.0
        return result

    verdict = check(reference, mutating_reference, cases=CASES, verbose=False)
    assert verdict.status == "correct"


def test_checker_leaves_the_caller_s_case_arguments_untouched():
    cases = [(np.arange(6.0).reshape(2, 3), 2.0)]
    check(_zero_in_place, reference, cases=cases, verbose=False)
    np.testing.assert_array_equal(cases[0][0], np.arange(6.0).reshape(2, 3))


class AlwaysEqual:
    """Claims to equal anything."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize("expected", [SECRET, 7, (3, 4), frozenset({"constant", "replicate"}), "reflect"])
def test_object_that_equals_everything_is_a_wrong_type(capsys, expected):
    verdict = check(AlwaysEqual(), expected)
    assert verdict.status == "wrong_type"


def test_function_returning_an_always_equal_object_is_rejected(capsys):
    verdict, _ = run(lambda a, b: AlwaysEqual(), capsys, cases=CASES)
    assert verdict.status == "wrong_type"


def test_string_subclass_with_a_lying_eq_is_compared_by_its_characters():
    class Liar(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    assert check(Liar("zeros"), "reflect", verbose=False).status == "wrong_value"
    assert check(Liar("reflect"), "reflect", verbose=False).status == "correct"


def test_correct_answer_with_nan_is_accepted():
    expected = np.array([1.0, np.nan, 3.0])
    assert compare(np.array([1.0, np.nan, 3.0]), expected).status == "correct"
    assert compare(float("nan"), float("nan")).status == "correct"
    assert compare(np.array([1.0, 2.0, 3.0]), expected).status == "wrong_value"
    assert compare(np.array([np.nan, np.nan, 3.0]), expected).status == "wrong_value"


def test_correct_function_with_nan_results_is_accepted():
    def log_reference(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log(x)

    def log_answer(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log(np.asarray(x, dtype=float))

    verdict = check(log_answer, log_reference, cases=[(np.array([-1.0, 0.0, 1.0]),)], verbose=False)
    assert verdict.status == "correct"


def _rng_states():
    return random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone()


def _assert_same_states(before, after):
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert torch.equal(before[2], after[2])


@pytest.mark.parametrize("behaviour", ["draws", "reseeds", "raises"])
def test_global_rng_states_are_unchanged_after_a_check(behaviour):
    def noisy_reference(a, b):
        torch.manual_seed(123)
        np.random.seed(5)
        return reference(a, b) + 0 * np.random.rand() + 0 * torch.rand(1).item()

    def noisy_answer(a, b):
        random.random()
        np.random.standard_normal(10)
        torch.randn(10)
        if behaviour == "reseeds":
            random.seed(1)
            np.random.seed(1)
            torch.manual_seed(1)
        if behaviour == "raises":
            raise RuntimeError("after drawing")
        return reference(a, b)

    random.seed(2026)
    np.random.seed(2026)
    torch.manual_seed(2026)
    before = _rng_states()
    check(noisy_answer, noisy_reference, cases=CASES, verbose=False)
    _assert_same_states(before, _rng_states())


def test_a_decorated_checker_restores_the_rng_states_it_consumed():
    @checker
    def check_something(answer):
        torch.manual_seed(0)
        torch.nn.Linear(3, 3)  # draws from the global generator
        return check(answer, 1, verbose=False)

    before = _rng_states()
    check_something(1)
    _assert_same_states(before, _rng_states())


# ----- forbidden functions: calling the reference is not an implementation -----------------------------------

def test_calling_a_forbidden_function_through_its_module_is_rejected(capsys):
    def answer(x, w):
        return cnnbook.functional.conv.conv2d(x, w)

    verdict = check(answer, cf_conv.conv2d, cases=CONV_CASES, forbidden=(cf_conv.conv2d,))
    out = capsys.readouterr().out
    assert verdict.status == "uses_reference"
    assert "conv2d" in out and "your own implementation" in out


def test_calling_a_forbidden_function_imported_by_name_is_rejected(capsys):
    verdict = check(_from_import_answer, cf_conv.conv2d, cases=CONV_CASES, forbidden=(cf_conv.conv2d,))
    assert verdict.status == "uses_reference"


def test_calling_pytorch_s_equivalent_when_it_is_forbidden_is_rejected(capsys):
    def answer(x, w):
        return F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()

    verdict = check(answer, cf_conv.conv2d, cases=CONV_CASES, forbidden=(cf_conv.conv2d, F.conv2d))
    out = capsys.readouterr().out
    assert verdict.status == "uses_reference" and "torch.conv2d" in out


def test_a_forbidden_class_cannot_be_instantiated_by_the_answer(capsys):
    original_init = torch.nn.Conv2d.__dict__["__init__"]

    def answer(c_in, c_out):
        return sum(p.numel() for p in torch.nn.Conv2d(c_in, c_out, 3).parameters())

    verdict = check(answer, lambda c_in, c_out: 9 * c_in * c_out + c_out, cases=[(2, 3)],
                    forbidden=(torch.nn.Conv2d,))
    assert verdict.status == "uses_reference"
    assert torch.nn.Conv2d.__dict__["__init__"] is original_init


def test_forbid_when_rejects_only_the_matching_calls(capsys):
    strided = forbid_when(cf_conv.conv2d, lambda x, w, *a, stride=1, **k: stride != 1, "with a stride other than 1")

    def via_subsampling(x, w):
        return cf_conv.conv2d(x, w)[:, :, ::2, ::2]

    def strided_call(x, w):
        return cf_conv.conv2d(x, w, stride=2)

    reference_fn = lambda x, w: cf_conv.conv2d(x, w, stride=2)  # noqa: E731
    assert check(via_subsampling, reference_fn, cases=CONV_CASES, forbidden=(strided,)).status == "correct"
    verdict = check(strided_call, reference_fn, cases=CONV_CASES, forbidden=(strided,))
    assert verdict.status == "uses_reference"
    assert "with a stride other than 1" in capsys.readouterr().out


def test_the_reference_itself_may_be_the_forbidden_function_and_still_runs(capsys):
    def own_conv(x, w):
        return cf_conv.conv2d_naive(x, w)

    verdict = check(own_conv, cf_conv.conv2d, cases=CONV_CASES, forbidden=(cf_conv.conv2d, F.conv2d))
    assert verdict.status == "correct"


def test_forbidden_functions_are_restored_after_the_check_even_if_the_answer_raises():
    def answer(x, w):
        cf_conv.conv2d(x, w)
        raise ValueError("after calling the reference")

    verdict = check(answer, cf_conv.conv2d, cases=CONV_CASES, forbidden=(cf_conv.conv2d, F.conv2d), verbose=False)
    assert verdict.status == "uses_reference"
    assert cnnbook.functional.conv2d is cf_conv.conv2d and globals()["conv2d"] is cf_conv.conv2d
    assert torch.nn.functional.conv2d is torch.conv2d


def test_a_forbidden_call_in_a_zero_argument_answer_is_rejected():
    def answer():
        return cf_conv.conv_output_size(7, 3, stride=2, padding=1)

    verdict = check(answer, 4, forbidden=(cf_conv.conv_output_size,), verbose=False)
    assert verdict.status == "uses_reference"


def test_uses_reference_message_reveals_nothing_else(capsys):
    check(_from_import_answer, cf_conv.conv2d, cases=CONV_CASES, forbidden=(cf_conv.conv2d,))
    out = capsys.readouterr().out
    assert "array" not in out and "test case" not in out
