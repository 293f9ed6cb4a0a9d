"""The notebook cost check of the test run: it reads the kernel's CPU time and fails only on gross regressions."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests._book import CPU_CEILING_S, NOTEBOOK_BUDGET_S, process_cpu_seconds, runtime_problems

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {s}:\n    pass\n"


def _waiting_process(code: str) -> subprocess.Popen:
    """A Python process that runs ``code``, says so on stdout, then waits until its stdin closes."""
    proc = subprocess.Popen([sys.executable, "-c", code + "import sys\nprint('done', flush=True)\nsys.stdin.read()\n"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "done"
    return proc


def _finish(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=30)
    proc.stdout.close()


def test_cpu_seconds_of_a_live_process_count_the_cpu_it_burned():
    idle = _waiting_process("")
    busy = _waiting_process(BURN.format(s=0.6))
    try:
        idle_cpu, busy_cpu = process_cpu_seconds(idle.pid), process_cpu_seconds(busy.pid)
    finally:
        _finish(idle)
        _finish(busy)
    assert idle_cpu is not None and busy_cpu is not None
    assert 0.55 <= busy_cpu - idle_cpu <= 0.9


def test_cpu_seconds_include_the_children_a_process_waited_for():
    child = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {BURN.format(s=0.6)!r}], check=True)\n"
    parent = _waiting_process(child)
    try:
        cpu = process_cpu_seconds(parent.pid)
    finally:
        _finish(parent)
    assert cpu is not None and cpu >= 0.55


def test_cpu_seconds_of_a_finished_process_are_unknown():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    assert process_cpu_seconds(proc.pid) is None


def _notebook(*sources: str, executed: bool = True, tags=()) -> dict:
    return {"cells": [{"cell_type": "markdown", "source": "# title", "metadata": {}}]
            + [{"cell_type": "code", "source": s, "metadata": {"tags": list(tags)},
                "execution_count": 1 if executed else None, "outputs": []} for s in sources]}


def test_the_ceiling_is_three_times_the_sixty_second_budget():
    assert (NOTEBOOK_BUDGET_S, CPU_CEILING_S) == (60.0, 180.0)


@pytest.mark.parametrize("cpu", [0.5, NOTEBOOK_BUDGET_S + 1, CPU_CEILING_S])
def test_a_complete_run_under_the_ceiling_has_no_problem_even_over_the_budget(cpu):
    assert runtime_problems(_notebook("x = 1", "y = 2"), cells_run=2, kernel_cpu_s=cpu) == []


def test_kernel_cpu_over_the_ceiling_is_a_gross_regression():
    [problem] = runtime_problems(_notebook("x = 1"), cells_run=1, kernel_cpu_s=CPU_CEILING_S + 0.1)
    assert "180.1 s of CPU, over the 180 s ceiling (3 × the 60 s budget)" in problem
    assert "make bench-notebooks" in problem


def test_unknown_kernel_cpu_is_reported_not_ignored():
    [problem] = runtime_problems(_notebook("x = 1"), cells_run=1, kernel_cpu_s=None)
    assert "could not read its kernel's CPU time" in problem


def test_cells_that_did_not_run_were_not_executed_or_are_skipped_are_problems():
    assert runtime_problems(_notebook("x = 1", "y = 2"), cells_run=1, kernel_cpu_s=1.0) == [
        "executed 1 of its 2 code cells"]
    assert runtime_problems(_notebook("x = 1", executed=False), cells_run=1, kernel_cpu_s=1.0) == [
        "code cells [0] are committed without being executed"]
    assert runtime_problems(_notebook("x = 1\n# NBVAL_SKIP"), cells_run=1, kernel_cpu_s=1.0) == [
        "code cells [0] are skipped with NBVAL_SKIP"]
    assert runtime_problems(_notebook("x = 1", tags=["nbval-skip"]), cells_run=1, kernel_cpu_s=1.0) == [
        "code cells [0] are skipped with NBVAL_SKIP"]
