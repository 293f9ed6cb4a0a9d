"""The shared kernel of the perturbed notebook pass gives each notebook the state of a fresh kernel."""

from __future__ import annotations

import json

import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel

from tests._shared_kernel import FRESH_START, REMEMBER, _run

LEAK = """
import warnings, numpy, matplotlib, torch
leaked = 1
numpy.set_printoptions(precision=2)
torch.set_default_dtype(torch.float64)
torch.set_printoptions(precision=1)
torch.use_deterministic_algorithms(True)
matplotlib.rcParams["font.size"] = 30
warnings.simplefilter("error")
def warn_once():
    warnings.warn("only once per location", UserWarning)
"""

PROBE = """
import json, os, sys, warnings, numpy, matplotlib, torch
print(json.dumps({
    "names": sorted(n for n in globals() if not n.startswith("_")),
    "numpy": numpy.array([1 / 3]).__repr__(),
    "torch": repr(torch.tensor([1 / 3])),
    "dtype": str(torch.get_default_dtype()),
    "deterministic": torch.are_deterministic_algorithms_enabled(),
    "font_size": matplotlib.rcParams["font.size"],
    "warning_filter_error": any(f[0] == "error" and f[2] is Warning for f in warnings.filters),
    "cwd": os.getcwd(),
}))
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    running = RunningKernel(CURRENT_ENV_KERNEL_NAME, cwd=str(tmp_path_factory.getbasetemp()))
    _run(running, REMEMBER)
    yield running
    running.stop()


def _probe(kernel: RunningKernel) -> dict:
    lines: list[str] = []
    kernel.kc.execute_interactive(PROBE, timeout=60, allow_stdin=False, output_hook=lambda msg: lines.append(
        msg["content"].get("text", "")) if msg["header"]["msg_type"] == "stream" else None)
    return json.loads("".join(lines))


def test_fresh_start_undoes_what_the_previous_notebook_changed(kernel, tmp_path):
    _run(kernel, FRESH_START.format(folder=str(tmp_path)))
    fresh = _probe(kernel)
    _run(kernel, LEAK)
    _run(kernel, FRESH_START.format(folder=str(tmp_path)))
    again = _probe(kernel)
    assert "leaked" not in again["names"] and "warn_once" not in again["names"]
    assert again == fresh
    assert fresh["dtype"] == "torch.float32" and fresh["deterministic"] is False
    assert fresh["cwd"] == str(tmp_path)
