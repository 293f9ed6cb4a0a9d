"""Test-run hooks: Hypothesis profiles, and a cost report for the book's notebooks.

Hypothesis: the "ci" profile (loaded when the environment variable CI is set, as `.ci/run` does)
derandomises the examples, so a red CI run can be repeated exactly; "dev" (the default) keeps
Hypothesis's random exploration. HYPOTHESIS_PROFILE=ci or =dev chooses one explicitly.

Notebooks (collected by nbval from ``book/``): after the last cell of every notebook we add one more
test item, ``runtime-budget``. It fails if any code cell was not executed, if the committed notebook
lacks outputs or skips a cell, or on a gross regression in cost: the notebook's kernel used more
than CPU_CEILING_S seconds of CPU (3 × the 60 s budget). Wall time is only reported, never
checked: it depends on the machine and its load. The per-notebook wall and kernel CPU seconds
travel to the controller as user properties (so this also works under pytest-xdist) and are
printed as a table at the end of the run. `make bench-notebooks` measures against the budget.

``--nbval-shared-kernel`` (phase 2 of ``make test``): the notebooks of each test process share one
kernel, reset to a fresh kernel's state before each notebook; see ``tests/_shared_kernel.py``. The
runtime-budget item then counts the kernel's CPU from the notebook's start.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import settings

from tests._book import CPU_CEILING_S, NOTEBOOK_BUDGET_S, process_cpu_seconds, runtime_problems
from tests._shared_kernel import stop_kernels, use_shared_kernel

settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
_in_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _in_ci else "dev"))

def pytest_addoption(parser):
    parser.addoption("--nbval-shared-kernel", action="store_true",
                     help="run the notebooks of each test process in one kernel, reset before each notebook")


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collectors = yield
    if parent.config.getoption("nbval_shared_kernel") and collectors:
        return use_shared_kernel(collectors, parent)
    return collectors


def pytest_sessionfinish(session):
    stop_kernels()


_started: dict[str, float] = {}
_cells_run: dict[str, int] = {}
_report_rows: dict[str, tuple[float, float | None, int, int, str]] = {}


def _notebook_of(item: pytest.Item) -> str | None:
    path = str(getattr(item, "path", ""))
    return path if path.endswith(".ipynb") else None


def _kernel_pid(notebook: pytest.Collector) -> int | None:
    """The process id of the kernel nbval started for this notebook (IPyNbFile.kernel.km), if alive."""
    kernel = getattr(notebook, "kernel", None)
    provisioner = getattr(getattr(kernel, "km", None), "provisioner", None)
    return getattr(provisioner, "pid", None)


class NotebookBudget(pytest.Item):
    """Checks one notebook's run: every code cell executed, outputs committed, kernel CPU under the ceiling."""

    def runtest(self) -> None:
        path = str(self.path)
        wall = time.perf_counter() - _started.get(path, time.perf_counter())
        # The kernel is a fresh process started for this notebook (still alive: the notebook's
        # teardown comes after this item), so its CPU time since it started is the notebook's cost;
        # a shared kernel's CPU is counted from the notebook's start.
        pid = _kernel_pid(self.parent)
        cpu = process_cpu_seconds(pid) if pid else None
        start = getattr(self.parent, "cpu_at_start", None)
        if cpu is not None and start is not None:
            cpu -= start
        nb = json.loads(Path(path).read_text())
        ran = _cells_run.get(path, 0)
        total = sum(c["cell_type"] == "code" for c in nb["cells"])
        self.user_properties.append(("notebook", (os.path.relpath(path), wall, cpu, ran, total)))
        problems = runtime_problems(nb, ran, cpu)
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
            name, wall, cpu, ran, total = value
            _report_rows[name] = (wall, cpu, ran, total, "ok" if report.passed else "FAILED")


def pytest_terminal_summary(terminalreporter):
    if not _report_rows:
        return
    tr = terminalreporter
    perturbed = [f"{v}={os.environ[v]}" for v in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA") if v in os.environ]
    tr.section("notebook run times" + (f" ({' '.join(perturbed)})" if perturbed else ""))
    width = max(len("notebook"), *(len(n) for n in _report_rows))
    tr.write_line(f"{'notebook'.ljust(width)}  {'wall s':>7}  {'kernel CPU s':>12}  {'cells run':>9}  status")
    wall_total = cpu_total = 0.0
    for name in sorted(_report_rows):
        wall, cpu, ran, cells, status = _report_rows[name]
        wall_total += wall
        cpu_total += cpu or 0.0
        over = "  (over the budget)" if cpu is not None and cpu > NOTEBOOK_BUDGET_S else ""
        cpu_text = f"{cpu:12.1f}" if cpu is not None else f"{'n/a':>12}"
        tr.write_line(f"{name.ljust(width)}  {wall:7.1f}  {cpu_text}  {f'{ran}/{cells}':>9}  {status}{over}")
    tr.write_line(f"{'total'.ljust(width)}  {wall_total:7.1f}  {cpu_total:12.1f}")
    tr.write_line("wall s        kernel start to last cell, under this run's load (reported, never checked)")
    tr.write_line("kernel CPU s  user + system CPU seconds of the notebook's kernel process")
    tr.write_line(f"budget        {NOTEBOOK_BUDGET_S:.0f} s per notebook on 2 idle cores, measured by "
                  "`make bench-notebooks`;")
    tr.write_line(f"              this run fails a notebook only above {CPU_CEILING_S:.0f} s of kernel CPU "
                  "(3 × the budget)")
