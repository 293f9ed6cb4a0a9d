"""Test-run hooks for the book's notebooks (collected by nbval from ``book/``).

After the last cell of every notebook we add one more test item, ``runtime-budget``. It fails if
the notebook took longer than NOTEBOOK_BUDGET_S (kernel start included), if any code cell was
not executed, or if the committed notebook lacks outputs or skips a cell. The per-notebook
times travel to the controller as user properties (so this also works under pytest-xdist)
and are printed as a table at the end of the run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

NOTEBOOK_BUDGET_S = 60.0
_started: dict[str, float] = {}
_cells_run: dict[str, int] = {}
_report_rows: dict[str, tuple[float, int, int, str]] = {}


def _notebook_of(item: pytest.Item) -> str | None:
    path = str(getattr(item, "path", ""))
    return path if path.endswith(".ipynb") else None


class NotebookBudget(pytest.Item):
    """Checks one notebook's run: time budget, every code cell executed, outputs committed."""

    def runtest(self) -> None:
        path = str(self.path)
        elapsed = time.perf_counter() - _started.get(path, time.perf_counter())
        nb = json.loads(Path(path).read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        ran = _cells_run.get(path, 0)
        self.user_properties.append(("notebook", (os.path.relpath(path), elapsed, ran, len(code))))
        problems = []
        if elapsed > NOTEBOOK_BUDGET_S:
            problems.append(f"took {elapsed:.1f} s, over the {NOTEBOOK_BUDGET_S:.0f} s budget")
        if ran != len(code):
            problems.append(f"executed {ran} of its {len(code)} code cells")
        unrun = [i for i, c in enumerate(code) if c.get("execution_count") is None]
        if unrun:
            problems.append(f"code cells {unrun} are committed without being executed")
        skipped = [i for i, c in enumerate(code) if "NBVAL_SKIP" in c.get("metadata", {}).get("tags", [])
                   or c["source"] and "NBVAL_SKIP" in "".join(c["source"]).splitlines()[0]]
        if skipped:
            problems.append(f"code cells {skipped} are skipped with NBVAL_SKIP")
        if problems:
            raise AssertionError(f"{os.path.relpath(path)}: " + "; ".join(problems))

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::runtime-budget"


def pytest_collection_modifyitems(session, config, items):
    if not config.getoption("nbval", default=False):
        return
    out: list[pytest.Item] = []
    for i, item in enumerate(items):
        out.append(item)
        path = _notebook_of(item)
        if not path:
            continue
        nxt = items[i + 1] if i + 1 < len(items) else None
        if nxt is None or _notebook_of(nxt) != path:
            budget = NotebookBudget.from_parent(item.parent, name="runtime-budget")
            out.append(budget)
    items[:] = out


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    path = _notebook_of(item)
    if path and path not in _started:
        _started[path] = time.perf_counter()


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if report.when == "call" and path.endswith(".ipynb") and "::runtime-budget" not in report.nodeid:
        absolute = str(Path(path).resolve())
        if not report.skipped:
            _cells_run[absolute] = _cells_run.get(absolute, 0) + 1
    for key, value in getattr(report, "user_properties", []):
        if key == "notebook" and report.when == "call":
            name, seconds, ran, total = value
            _report_rows[name] = (seconds, ran, total, "ok" if report.passed else "FAILED")


def pytest_terminal_summary(terminalreporter):
    if not _report_rows:
        return
    tr = terminalreporter
    tr.section("notebook run times")
    width = max(len(n) for n in _report_rows)
    tr.write_line(f"{'notebook'.ljust(width)}  {'seconds':>8}  {'cells run':>10}  status")
    total = 0.0
    for name in sorted(_report_rows):
        seconds, ran, cells, status = _report_rows[name]
        total += seconds
        tr.write_line(f"{name.ljust(width)}  {seconds:8.1f}  {f'{ran}/{cells}':>10}  {status}")
    tr.write_line(f"{'total'.ljust(width)}  {total:8.1f}  (budget {NOTEBOOK_BUDGET_S:.0f} s per notebook)")
