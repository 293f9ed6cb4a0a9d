"""cnnbook: the companion package of the open textbook on convolutional neural networks.

Subpackages, one per concept (a reader can guess the file from the chapter):

- :mod:`cnnbook.functional` -- NumPy from-scratch operations that mirror ``torch.nn.functional``.
  This layer needs NumPy only: ``import cnnbook.functional`` works where torch is not installed.
- :mod:`cnnbook.nn` -- PyTorch modules for the book's building blocks.
- :mod:`cnnbook.models` -- the small experiment networks the chapters train.
- :mod:`cnnbook.probes` -- measuring tools: operator matrices, receptive fields, shift responses.
- :mod:`cnnbook.sphere` -- spherical geometry and operations.
- :mod:`cnnbook.data` -- offline datasets and images.
- :mod:`cnnbook.plot` -- figure helpers shared by every chapter.
- :mod:`cnnbook.exercises` -- checkers for the end-of-chapter exercises.
- :mod:`cnnbook.train` -- seeding, a deterministic progress bar and a small training loop.

Importing ``cnnbook`` imports nothing heavy: subpackages and ``cnnbook.seed_everything`` are
loaded on first use, so the NumPy layer stays free of torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
__all__ = ["seed_everything", "__version__"]

_SUBMODULES = frozenset({
    "data", "exercises", "functional", "gradcheck", "kernels", "models", "nn", "plot", "probes", "report",
    "sphere", "student", "train",
})


def __getattr__(name: str) -> Any:
    """Load ``cnnbook.<submodule>`` and ``cnnbook.seed_everything`` lazily, on first access."""
    if name == "seed_everything":
        from cnnbook.train import seed_everything

        return seed_everything
    if name in _SUBMODULES:
        return importlib.import_module(f"cnnbook.{name}")
    raise AttributeError(f"module 'cnnbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
