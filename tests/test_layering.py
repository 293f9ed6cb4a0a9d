"""The package's layers: the NumPy layer imports without torch, the top level imports lazily."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_without_torch(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where ``import torch`` fails."""
    prelude = "import sys\nsys.modules['torch'] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_functional_imports_and_runs_with_torch_blocked():
    result = _run_without_torch("""
        import numpy as np
        import cnnbook.functional as cf
        import cnnbook.probes as probes
        x = np.arange(16.0).reshape(1, 1, 4, 4)
        y = cf.conv2d(x, np.ones((1, 1, 2, 2)))
        assert y.shape == (1, 1, 3, 3) and y[0, 0, 0, 0] == 10.0
        assert cf.max_pool2d(x, 2).shape == (1, 1, 2, 2)
        assert probes.linear_weights(lambda b: cf.avg_pool2d(b, 2), (4, 4), (0, 0))[1, 1] == 0.25
        assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]
        print('ok')
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_top_level_import_does_not_load_torch():
    result = _run_without_torch("""
        import cnnbook
        assert cnnbook.__version__
        try:
            cnnbook.seed_everything
        except ImportError:
            print('lazy')
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lazy"


def test_top_level_lazy_attributes_load_on_use():
    import cnnbook

    assert cnnbook.seed_everything is cnnbook.train.seed_everything
    assert callable(cnnbook.train.fit)
