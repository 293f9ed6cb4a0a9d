"""Every experiment script runs at smoke scale and writes a complete results file, so none can rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "experiments").glob("*.py") if not p.name.startswith("_"))


def test_there_is_at_least_one_experiment_script():
    assert SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_experiment_script_runs_at_smoke_scale_and_records_how_it_ran(script, tmp_path):
    out = tmp_path / "results.json"
    module = f"experiments.{script.stem}"
    subprocess.run([sys.executable, "-m", module, "--smoke", "--jobs", "1", "--out", str(out)], cwd=ROOT,
                   check=True, capture_output=True, timeout=600)
    record = json.loads(out.read_text())
    assert set(record) >= {"command", "seeds", "config", "versions", "cpu", "wall_seconds", "cpu_seconds", "results"}
    assert record["config"]["smoke"] is True and len(record["seeds"]) >= 2
    assert record["results"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_committed_results_come_from_a_full_run_of_the_current_script(script):
    text = script.read_text()
    found = [line for line in text.splitlines() if "results" in line and ".json" in line]
    assert found, f"{script.name} must name the results file it writes in its docstring"
    results = sorted((ROOT / "book").glob(f"*/results/{script.stem.split('_', 1)[1]}.json"))
    assert results, f"no committed results file for {script.name}"
    record = json.loads(results[0].read_text())
    assert record["config"]["smoke"] is False and len(record["seeds"]) >= 3
