"""Shared lists of functions that an exercise's answer must not call (see ``forbidden=`` of :func:`check`).

The 2-D convolutions of ``cnnbook`` and PyTorch share one signature,
``(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)``, so one predicate
serves them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch.nn.functional as F

from cnnbook.exercises._core import Forbidden, argument, forbid_when
from cnnbook.functional.conv import conv2d, conv2d_naive

__all__ = ["CONV2D", "conv2d_when", "not_one"]

#: Every ready-made 2-D convolution a learner could call instead of writing one.
CONV2D = (conv2d, conv2d_naive, F.conv2d)

_POSITIONS = {"stride": 3, "padding": 4, "dilation": 5, "groups": 6}
_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1}


def conv2d_when(name: str, bad: Callable[[Any], bool], how: str) -> tuple[Forbidden, ...]:
    """Forbid the calls of every function in :data:`CONV2D` whose argument ``name`` satisfies ``bad``.

    Example: ``conv2d_when("stride", lambda s: s not in (1, (1, 1), [1, 1]), "with a stride other than 1")``.
    """
    position, default = _POSITIONS[name], _DEFAULTS[name]

    def when(*args: Any, **kwargs: Any) -> bool:
        return bool(bad(argument(args, kwargs, position, name, default)))

    return tuple(forbid_when(fn, when, how) for fn in CONV2D)


def not_one(value: Any) -> bool:
    """True unless ``value`` is 1 or a pair of ones (a stride, dilation or group count that does nothing)."""
    if isinstance(value, (tuple, list)):
        return any(int(v) != 1 for v in value)
    return int(value) != 1
