"""Student notebooks run end to end, and every stubbed exercise's checker says "not implemented yet".

The notebooks are split over two test modules (this one and ``test_student_notebooks_part2.py``)
so that ``pytest-xdist --dist loadfile`` can run the two halves on different workers.
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from cnnbook.student import STUB, student_notebook
from tests._book import ROOT, book_notebooks

NOTEBOOKS = [str(p.relative_to(ROOT)) for p in book_notebooks()]


def exercises_with_setup(cells: list, notebook: str) -> list:
    """The setup cell (the first code cell) and everything from the "## Exercises" heading on.

    Exercises must not depend on the chapter's body: a student, or nbgrader's autograder, may run them on
    their own. Leaving the body out also keeps this third run of every notebook cheap (nbval already runs
    the body twice).
    """
    setup = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    starts = [i for i, c in enumerate(cells)
              if c.cell_type == "markdown" and "## Exercises" in c.source.splitlines()]
    assert len(starts) == 1, f"{notebook}: expected one '## Exercises' heading, found {len(starts)}"
    return [cells[setup]] + cells[starts[0]:]


def run_student_notebook(notebook: str) -> None:
    """Execute the student edition of ``notebook`` (setup and exercises); every stub reports "not implemented yet"."""
    path = ROOT / notebook
    student = student_notebook(nbformat.read(path, as_version=4))
    stubbed = [c for c in student.cells if c.cell_type == "code" and STUB in c.source]
    assert len(stubbed) >= 3, f"{notebook}: expected at least 3 exercises with code, found {len(stubbed)}"
    student.cells = exercises_with_setup(student.cells, notebook)
    NotebookClient(student, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in stubbed:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "not implemented yet" in text, f"{notebook}: a stubbed exercise printed {text!r}"
        assert not any(o.output_type == "error" for o in cell.outputs)


@pytest.mark.parametrize("notebook", NOTEBOOKS[0::2])
def test_student_notebook_runs_and_checkers_report_not_implemented(notebook):
    run_student_notebook(notebook)
