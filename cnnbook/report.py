"""Reporting measured results: statistics over seeds, and numbers glued into the book's prose.

A *measured* result (anything trained or timed) differs between machines, so the book never
quotes one run. It runs several seeds, summarises them with :func:`seed_stats`, asserts the
claim that holds with a margin, and hands the numbers to the text with :func:`glue`, so a number
in the prose always comes from the executed notebook.

NumPy-only: this module does not import torch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["SeedStats", "seed_stats", "glue", "GLUE_PREFIX"]

#: MIME prefix under which myst-nb looks for glued values in a notebook's outputs.
GLUE_PREFIX = "application/papermill.record/"


@dataclass(frozen=True)
class SeedStats:
    """Summary of one measured quantity over several seeds.

    ``values`` holds one number per seed. ``sd`` is the sample standard deviation (ddof=1; 0 for a
    single value). ``format(stats, ".3f")`` gives ``"0.981 ± 0.006"``; ``str(stats)`` adds the
    range and the number of seeds.
    """

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if self.n > 1 else 0.0

    @property
    def min(self) -> float:
        return float(np.min(self.values))

    @property
    def max(self) -> float:
        return float(np.max(self.values))

    def __format__(self, spec: str) -> str:
        spec = spec or ".3f"
        return f"{self.mean:{spec}} ± {self.sd:{spec}}"

    def __str__(self) -> str:
        return f"{self:.3f} (range {self.min:.3f}–{self.max:.3f}, {self.n} seeds)"


def seed_stats(values: Iterable[float]) -> SeedStats:
    """Summarise one number per seed as a :class:`SeedStats` (mean, sd, min, max)."""
    if isinstance(values, (str, bytes)):
        raise TypeError("values must be an iterable of numbers, got a string")
    try:
        floats = tuple(float(v) for v in values)
    except (TypeError, ValueError) as err:
        raise TypeError(f"values must be an iterable of real numbers: {err}") from None
    if not floats:
        raise ValueError("values must hold at least one number (one per seed)")
    if not all(math.isfinite(v) for v in floats):
        raise ValueError(f"values must be finite, got {floats}")
    return SeedStats(floats)


def _plain_text(value: object) -> str:
    if isinstance(value, str):
        return value  # no quotes, so {glue:text} shows the text itself
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, SeedStats):
        return format(value, ".3f")
    raise TypeError(f"value must be a str, bool, int, float or SeedStats, got {type(value).__name__}")


def glue(name: str, value: object, *, display: bool = False) -> None:
    """Store ``value`` in the notebook's outputs under ``name``, for myst-nb's ``{glue:text}`` role.

    Works like ``myst_nb.glue`` (same output format) but needs only IPython, so the notebooks
    run without the book toolchain. A float can be formatted in the prose,
    ``{glue:text}`name:.3f```; a string is inserted as it is. A cell that glues a measured value
    must be tagged ``nbval-ignore-output``: the glued value is part of its stored output.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    text = _plain_text(value)
    from IPython.display import display as ipy_display  # imported late: only notebooks need it

    prefix = "" if display else GLUE_PREFIX
    ipy_display({prefix + "text/plain": text}, raw=True,
                metadata={"scrapbook": {"name": name, "mime_prefix": prefix}})
