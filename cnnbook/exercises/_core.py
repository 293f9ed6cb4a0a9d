"""The checker pattern shared by every chapter's exercises.

A checker takes the learner's answer (a value, or a function to be called on test inputs),
compares it with a hidden reference, and prints one clear verdict:

- ``correct``;
- ``not implemented yet`` (the answer raised ``NotImplementedError``, or is ``...``);
- ``raised an exception`` (with its type and message);
- ``wrong type`` (for example a number where a function was expected, or ``None``);
- ``wrong shape``, ``wrong dtype``, or ``wrong value`` at the first differing index;
- ``uses the reference``: the learner's function called a function the exercise asks them to write.

It never raises on a wrong answer, and it never prints the expected answer. It cannot be fooled
by a function that changes its inputs in place (the reference runs first, and each side gets its
own deep copy of the inputs), nor by an object whose ``==`` always says yes (answers are compared
as numbers, or as plain built-in values), and it leaves the global random number generators of
Python, NumPy and PyTorch as it found them.
"""

from __future__ import annotations

import copy
import functools
import math
import numbers
import random
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Verdict", "Forbidden", "argument", "compare", "check", "checker", "forbid_when", "preserve_rng"]

STATUSES = (
    "correct",
    "not_implemented",
    "exception",
    "wrong_type",
    "wrong_shape",
    "wrong_dtype",
    "wrong_value",
    "uses_reference",
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


# ----- random number generators ---------------------------------------------------------------------

@contextmanager
def preserve_rng() -> Iterator[None]:
    """Restore the global RNG states of Python's ``random``, NumPy and PyTorch (CPU) on exit, whatever happens."""
    torch = sys.modules.get("torch")
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    torch_state = torch.get_rng_state() if torch is not None else None
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        if torch_state is not None:
            torch.set_rng_state(torch_state)


def checker(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Decorator for an exercise's checker: whatever it computes, the learner's global RNGs are left untouched."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Verdict:
        with preserve_rng():
            return fn(*args, **kwargs)

    return wrapped


# ----- comparison -----------------------------------------------------------------------------------

def _to_numpy(value: Any) -> np.ndarray | None:
    """Convert numbers, sequences, NumPy arrays and torch tensors to an array; ``None`` if impossible."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (numbers.Number, np.ndarray, np.generic, list, tuple)):
        try:
            array = np.array(value)  # a copy: numbers as NumPy sees them, never the object itself
        except (TypeError, ValueError, RuntimeError):
            return None
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biufc":
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


class _NotPlain(TypeError):
    """A value that is neither a number nor a plain built-in container of plain values."""


def _plain(value: Any) -> Any:
    """``value`` rebuilt from built-in types only (so that ``==`` cannot be overridden); raises ``_NotPlain``."""
    if value is None or isinstance(value, bool):
        return value if value is None else bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, numbers.Complex):
        return complex(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    array = _to_numpy(value)
    if array is not None:
        return _plain(array.tolist())
    raise _NotPlain(type(value).__name__)


def _same(a: Any, b: Any) -> bool:
    """Equality of two plain values, with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b  # both sides are built-in values here, so this is the real equality


def compare(answer: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-8,
            check_dtype: bool = True, label: str = "your answer") -> Verdict:
    """Compare one value with the expected one and return a :class:`Verdict` (printing nothing).

    Numbers, sequences, NumPy arrays and torch tensors are compared as arrays: first the
    shape, then the dtype family (boolean / integer / floating-point, when ``check_dtype``),
    then the values with ``numpy.isclose(rtol, atol, equal_nan=True)``: a NaN where a NaN is
    expected is right. Other values (strings, sets of strings, ...) are rebuilt from built-in
    types before ``==``, so an object that claims to equal everything is a wrong type.
    """
    if answer is Ellipsis:
        return Verdict("not_implemented", f"{label}: not implemented yet (replace the ... with your answer)")
    if answer is None and expected is not None:
        return Verdict("wrong_type", f"{label} is None: did you forget a return statement?")
    want = _to_numpy(expected)
    if want is None:
        try:
            got_plain = _plain(answer)
        except _NotPlain:
            return Verdict("wrong_type", f"{label}: a {type(answer).__name__} is not the kind of value asked for")
        ok = _same(got_plain, _plain(expected))
        return Verdict("correct", f"{label}: correct") if ok else Verdict(
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
                           rtol=rtol, atol=atol, equal_nan=True)
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
        elif isinstance(a, types.ModuleType) or hasattr(a, "parameters"):
            parts.append(type(a).__name__)
        else:
            parts.append(repr(a))
    return ", ".join(parts)


# ----- forbidden functions --------------------------------------------------------------------------

@dataclass(frozen=True)
class Forbidden:
    """A function or class the learner's code must not call (a class: neither build nor, for a PyTorch
    module, run one), optionally only when ``when(*args, **kwargs)`` is true."""

    target: Any
    when: Callable[..., bool] | None = None
    how: str = ""


def forbid_when(target: Any, when: Callable[..., bool], how: str) -> Forbidden:
    """Forbid calls of ``target`` for which ``when(*args, **kwargs)`` is true; ``how`` describes them
    in the message (e.g. ``"with a stride other than 1"``)."""
    return Forbidden(target, when, how)


def argument(args: tuple, kwargs: dict, position: int, name: str, default: Any) -> Any:
    """The argument ``name`` of a call, given at ``position`` or by keyword, else ``default``
    (for the ``when`` predicates of :func:`forbid_when`)."""
    if name in kwargs:
        return kwargs[name]
    return args[position] if len(args) > position else default


def _as_forbidden(item: Any) -> Forbidden:
    return item if isinstance(item, Forbidden) else Forbidden(item)


def display_name(fn: Any) -> str:
    """A readable dotted name for a function or class: the shortest public module of its own package
    that holds it, e.g. ``cnnbook.functional.conv2d``, ``torch.conv2d`` or ``torch.nn.Conv2d``."""
    module = getattr(fn, "__module__", None) or "torch"
    name = getattr(fn, "__name__", None) or repr(fn)
    root = module.split(".")[0]
    holders = [mod_name for mod_name, mod in list(sys.modules.items())
               if mod is not None and (mod_name == root or mod_name.startswith(root + "."))
               and not any(part.startswith("_") for part in mod_name.split("."))
               and _namespace(mod).get(name) is fn]
    return f"{min(holders, key=lambda h: (len(h), h))}.{name}" if holders else f"{module}.{name}"


def _namespace(module: Any) -> dict:
    try:
        space = vars(module)
    except TypeError:
        return {}
    return space if isinstance(space, dict) else {}


class _Tracer:
    """Replaces forbidden functions by recording wrappers while the learner's code runs."""

    def __init__(self, forbidden: Sequence[Any], answer: Any):
        self.items = [_as_forbidden(f) for f in forbidden]
        self.names = {id(item): display_name(item.target) for item in self.items}  # before any patching
        self.answer = answer
        self.active = False
        self.hit: Forbidden | None = None
        self.call: Any = answer
        self._undo: list[Callable[[], None]] = []

    def _record(self, item: Forbidden, args: tuple, kwargs: dict) -> None:
        if not self.active or self.hit is not None:
            return
        if item.when is None:
            self.hit = item
            return
        try:
            matches = bool(item.when(*args, **kwargs))
        except Exception:  # an unreadable call is the learner's to explain; count it as a use
            matches = True
        if matches:
            self.hit = item

    def _wrap_function(self, item: Forbidden) -> Any:
        fn, tracer = item.target, self

        @functools.wraps(fn)
        def traced(*args: Any, **kwargs: Any) -> Any:
            tracer._record(item, args, kwargs)
            return fn(*args, **kwargs)

        return traced

    def _namespaces(self) -> list[dict]:
        spaces = [_namespace(m) for m in list(sys.modules.values()) if m is not None]
        functions = [self.answer]
        for cell in getattr(self.answer, "__closure__", None) or ():
            try:
                functions.append(cell.cell_contents)
            except ValueError:
                continue
        spaces += [f.__globals__ for f in functions if isinstance(f, types.FunctionType)]
        return spaces

    def __enter__(self) -> _Tracer:
        try:
            functions = {}
            for item in self.items:
                if isinstance(item.target, type):
                    self._patch_class(item)
                else:
                    functions[id(item.target)] = (item, self._wrap_function(item))
            seen: set[int] = set()
            for space in self._namespaces():
                if id(space) in seen:
                    continue
                seen.add(id(space))
                for key, value in list(space.items()):
                    found = functions.get(id(value))
                    if found is not None and value is found[0].target:
                        space[key] = found[1]
                        self._undo.append(functools.partial(space.__setitem__, key, value))
            self.call = self._traced_answer(functions)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _traced_answer(self, functions: dict[int, tuple[Forbidden, Any]]) -> Any:
        """The answer to call: its traced version when the answer *is* a forbidden function (or a partial of one)."""
        answer = self.answer
        if isinstance(answer, functools.partial) and id(answer.func) in functions:
            return functools.partial(functions[id(answer.func)][1], *answer.args, **answer.keywords)
        found = functions.get(id(answer))
        return found[1] if found is not None and found[0].target is answer else answer

    def _patch_class(self, item: Forbidden) -> None:
        """Trace a class's construction and, for a PyTorch module, its ``forward`` (an instance made earlier)."""
        cls = item.target
        for attribute in ("__init__", "forward"):
            if not hasattr(cls, attribute):
                continue
            original = cls.__dict__.get(attribute)
            method = getattr(cls, attribute)
            setattr(cls, attribute, self._traced_method(item, method))
            if original is None:
                self._undo.append(functools.partial(delattr, cls, attribute))
            else:
                self._undo.append(functools.partial(setattr, cls, attribute, original))

    def _traced_method(self, item: Forbidden, method: Callable[..., Any]) -> Callable[..., Any]:
        tracer = self

        @functools.wraps(method)
        def traced(obj: Any, *args: Any, **kwargs: Any) -> Any:
            tracer._record(item, args, kwargs)
            return method(obj, *args, **kwargs)

        return traced

    def __exit__(self, *exc: Any) -> None:
        while self._undo:
            self._undo.pop()()

    def verdict(self, name: str) -> Verdict | None:
        if self.hit is None:
            return None
        how = f" {self.hit.how}" if self.hit.how else ""
        return Verdict("uses_reference",
                       f"{name} calls {self.names[id(self.hit)]}{how}, which does the work this exercise "
                       f"asks you to do: write your own implementation instead of calling it")


# ----- the checker ----------------------------------------------------------------------------------

def check(answer: Any, reference: Any, *, cases: Sequence[Sequence[Any]] | None = None,
          name: str = "your answer", rtol: float = 1e-6, atol: float = 1e-8,
          check_dtype: bool = True, verbose: bool = True, forbidden: Sequence[Any] = ()) -> Verdict:
    """Check a learner's ``answer`` against a hidden ``reference``; print and return the verdict.

    - If ``cases`` is ``None``, ``answer`` and ``reference`` are values and are compared directly
      (an ``answer`` that is a function of no arguments is called first).
    - Otherwise both are functions: the reference is called first on a deep copy of every
      argument tuple in ``cases``, then the answer on another deep copy, and the results are
      compared; the first failing case is reported by its inputs.
    - ``forbidden``: functions or classes (or :func:`forbid_when` entries) that the answer must
      not call, however it imported them; a call makes the verdict ``uses_reference``.

    Exceptions raised by the learner's code become verdicts; nothing propagates. The global RNG
    states are restored afterwards.
    """
    with preserve_rng():
        verdict = _check(answer, reference, cases, name, rtol, atol, check_dtype, tuple(forbidden))
    if verbose:
        mark = "\u2714" if verdict else "\u2718"
        print(f"{mark} {verdict.message}")
    return verdict


def _call(tracer: _Tracer, args: Sequence[Any], name: str) -> tuple[Any, Verdict | None]:
    """Call the learner's answer (as traced by ``tracer``) on ``args``; (result, None) or (None, failure verdict)."""
    tracer.active = True
    try:
        result, failure = tracer.call(*args), None
    except NotImplementedError:
        result, failure = None, Verdict(
            "not_implemented", f"{name}: not implemented yet (replace the `raise NotImplementedError` line with your code)")
    except Exception as exc:  # the learner's code may raise anything; report it, never propagate
        result, failure = None, Verdict("exception", f"{name} raised {type(exc).__name__}: {exc}")
    finally:
        tracer.active = False
    used = tracer.verdict(name)
    return (None, used) if used is not None else (result, failure)


def _check(answer, reference, cases, name, rtol, atol, check_dtype, forbidden) -> Verdict:
    if cases is None:
        if callable(answer) and not callable(reference):
            with _Tracer(forbidden, answer) as tracer:
                result, failure = _call(tracer, (), name)
            if failure is not None:
                return failure
            answer = result
        return compare(answer, reference, rtol=rtol, atol=atol, check_dtype=check_dtype, label=name)
    if answer is Ellipsis:
        return Verdict("not_implemented", f"{name}: not implemented yet (replace the ... with your function)")
    if not callable(answer):
        return Verdict("wrong_type", f"{name}: expected a function, got {type(answer).__name__}")
    cases = [tuple(args) for args in cases]
    expected = [reference(*copy.deepcopy(args)) for args in cases]
    with _Tracer(forbidden, answer) as tracer:
        for k, (args, want) in enumerate(zip(cases, expected)):
            result, failure = _call(tracer, copy.deepcopy(args), name)
            if failure is not None:
                return failure
            verdict = compare(result, want, rtol=rtol, atol=atol, check_dtype=check_dtype,
                              label=f"{name}({_describe(args)})")
            if not verdict:
                return Verdict(verdict.status, f"test case {k + 1} of {len(cases)}: {verdict.message}")
    return Verdict("correct", f"{name}: correct on all {len(cases)} test cases")
