"""Checkers for the end-of-chapter exercises.

The shared machinery is :func:`check` (see ``_core.py``). Each chapter has its own module
with one checker per exercise, named after the chapter folder, e.g.
``from cnnbook.exercises import first_look``.
"""

from cnnbook.exercises._core import Verdict, check, compare

__all__ = ["Verdict", "check", "compare"]
