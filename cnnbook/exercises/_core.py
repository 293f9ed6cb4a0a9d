"""The checker pattern shared by every chapter's exercises.

A checker takes the learner's answer (a value, or a function to be called on test inputs),
compares it with a hidden reference, and prints one clear verdict:

- ``correct``;
- ``not implemented yet`` (the answer raised ``NotImplementedError``, or is ``...``);
- ``raised an exception`` (with its type and message);
- ``wrong type`` (for example a number where a function was expected, or ``None``);
- ``wrong shape``, ``wrong dtype``, or ``wrong value`` at the first differing index.

It never raises on a wrong answer, and it never prints the expected answer.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Verdict", "compare", "check"]

STATUSES = (
    "correct",
    "not_implemented",
    "exception",
    "wrong_type",
    "wrong_shape",
    "wrong_dtype",
    "wrong_value",
)


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: a ``status`` from ``STATUSES`` and the message shown to the learner."""

    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"Verdict(status={self.status!r})"

    def _ipython_display_(self) -> None:
        """Show nothing in a notebook: the checker has already printed the message."""


def _to_numpy(value: Any) -> np.ndarray | None:
    """Convert numbers, sequences, NumPy arrays and torch tensors to an array; ``None`` if impossible."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (numbers.Number, np.ndarray, np.generic, list, tuple)):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            return None
        if array.dtype == object:
            return None
        return array
    return None


def _family(dtype: np.dtype) -> str:
    if dtype == bool:
        return "boolean"
    if np.issubdtype(dtype, np.integer):
        return "integer"
    if np.issubdtype(dtype, np.floating):
        return "floating-point"
    if np.issubdtype(dtype, np.complexfloating):
        return "complex"
    return str(dtype)


def compare(answer: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-8,
            check_dtype: bool = True, label: str = "your answer") -> Verdict:
    """Compare one value with the expected one and return a :class:`Verdict` (printing nothing).

    Numbers, sequences, NumPy arrays and torch tensors are compared as arrays: first the
    shape, then the dtype family (boolean / integer / floating-point, when ``check_dtype``),
    then the values with ``numpy.isclose(rtol, atol)``. Other values are compared with ``==``.
    """
    if answer is Ellipsis:
        return Verdict("not_implemented", f"{label}: not implemented yet (replace the ... with your answer)")
    if answer is None and expected is not None:
        return Verdict("wrong_type", f"{label} is None: did you forget a return statement?")
    want = _to_numpy(expected)
    if want is None:
        ok = answer == expected
        return Verdict("correct", f"{label}: correct") if ok is True else Verdict(
            "wrong_value", f"{label}: wrong value ({type(answer).__name__} {answer!r} is not what was asked for)")
    got = _to_numpy(answer)
    if got is None:
        return Verdict("wrong_type", f"{label}: expected a number or an array, got {type(answer).__name__}")
    if got.shape != want.shape:
        return Verdict("wrong_shape", f"{label}: wrong shape {tuple(got.shape)}; it does not match the expected shape")
    if check_dtype and _family(got.dtype) != _family(want.dtype):
        return Verdict("wrong_dtype",
                       f"{label}: wrong dtype {got.dtype}; expected a {_family(want.dtype)} array")
    if got.dtype == bool or want.dtype == bool:
        close = got == want
    else:
        close = np.isclose(got.astype(np.complex128 if np.iscomplexobj(got) else np.float64),
                           want.astype(np.complex128 if np.iscomplexobj(want) else np.float64),
                           rtol=rtol, atol=atol)
    if close.all():
        return Verdict("correct", f"{label}: correct")
    bad = np.argwhere(~close)
    where = tuple(int(i) for i in bad[0])
    value = got[where].item() if got.ndim else got.item()
    at = f" at index {where}" if got.ndim else ""
    others = f" ({len(bad) - 1} other entries differ too)" if len(bad) > 1 else ""
    return Verdict("wrong_value", f"{label}: wrong value{at}: got {value!r}{others}")


def _describe(args: Sequence[Any]) -> str:
    parts = []
    for a in args:
        arr = _to_numpy(a)
        if arr is not None and arr.ndim > 0 and arr.size > 8:
            parts.append(f"array of shape {tuple(arr.shape)}")
        else:
            parts.append(repr(a))
    return ", ".join(parts)


def check(answer: Any, reference: Any, *, cases: Sequence[Sequence[Any]] | None = None,
          name: str = "your answer", rtol: float = 1e-6, atol: float = 1e-8,
          check_dtype: bool = True, verbose: bool = True) -> Verdict:
    """Check a learner's ``answer`` against a hidden ``reference``; print and return the verdict.

    - If ``cases`` is ``None``, ``answer`` and ``reference`` are values and are compared directly.
    - Otherwise both are functions: each is called on every argument tuple in ``cases`` and
      the results are compared; the first failing case is reported by its inputs.

    Exceptions raised by the learner's code become verdicts; nothing propagates.
    """
    verdict = _check(answer, reference, cases, name, rtol, atol, check_dtype)
    if verbose:
        mark = "\u2714" if verdict else "\u2718"
        print(f"{mark} {verdict.message}")
    return verdict


def _call(answer: Callable[..., Any], args: Sequence[Any], name: str) -> tuple[Any, Verdict | None]:
    try:
        return answer(*args), None
    except NotImplementedError:
        return None, Verdict("not_implemented",
                             f"{name}: not implemented yet (replace the `raise NotImplementedError` line with your code)")
    except Exception as exc:  # the learner's code may raise anything; report it, never propagate
        return None, Verdict("exception", f"{name} raised {type(exc).__name__}: {exc}")


def _check(answer, reference, cases, name, rtol, atol, check_dtype) -> Verdict:
    if cases is None:
        if callable(answer) and not callable(reference):
            result, failure = _call(answer, (), name)
            if failure is not None:
                return failure
            answer = result
        return compare(answer, reference, rtol=rtol, atol=atol, check_dtype=check_dtype, label=name)
    if answer is Ellipsis:
        return Verdict("not_implemented", f"{name}: not implemented yet (replace the ... with your function)")
    if not callable(answer):
        return Verdict("wrong_type", f"{name}: expected a function, got {type(answer).__name__}")
    for k, args in enumerate(cases):
        result, failure = _call(answer, args, name)
        if failure is not None:
            return failure
        verdict = compare(result, reference(*args), rtol=rtol, atol=atol, check_dtype=check_dtype,
                          label=f"{name}({_describe(args)})")
        if not verdict:
            return Verdict(verdict.status, f"test case {k + 1} of {len(cases)}: {verdict.message}")
    return Verdict("correct", f"{name}: correct on all {len(cases)} test cases")
