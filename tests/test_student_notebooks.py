"""Student notebooks run end to end, and every stubbed exercise's checker says "not implemented yet".

The notebooks are split over two test modules (this one and ``test_student_notebooks_part2.py``)
so that ``pytest-xdist --dist loadfile`` can run the two halves on different workers. Each module runs
its notebooks one after another in one kernel, which saves a torch import per notebook: before each
notebook, ``%reset -f`` empties the namespace (so a name that a notebook forgets to import still fails),
figures are closed, PyTorch's default dtype is restored, and the working directory becomes the
notebook's folder, as in a fresh kernel.
"""

from __future__ import annotations

from collections.abc import Iterator

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient

from cnnbook.student import STUB, student_notebook
from tests._book import ROOT, book_notebooks, exercises_with_setup

NOTEBOOKS = [str(p.relative_to(ROOT)) for p in book_notebooks()]


def fresh_start(folder: str) -> str:
    """The source of a cell that makes a used kernel look fresh for a notebook in ``folder``."""
    return ("%reset -f\n"
            "import os, sys\n"
            "if 'matplotlib.pyplot' in sys.modules:\n"
            "    sys.modules['matplotlib.pyplot'].close('all')\n"
            "if 'torch' in sys.modules:\n"
            "    sys.modules['torch'].set_default_dtype(sys.modules['torch'].float32)\n"
            f"os.chdir({folder!r})\n"
            "del os, sys\n")


@pytest.fixture(scope="module")
def kernel() -> Iterator[KernelManager]:
    """One kernel for all the notebooks of a test module."""
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(ROOT))
    yield manager
    manager.shutdown_kernel(now=True)


def run_student_notebook(notebook: str, kernel: KernelManager) -> None:
    """Execute the student edition of ``notebook`` (setup and exercises); every stub reports "not implemented yet"."""
    path = ROOT / notebook
    student = student_notebook(nbformat.read(path, as_version=4))
    stubbed = [c for c in student.cells if c.cell_type == "code" and STUB in c.source]
    assert len(stubbed) >= 3, f"{notebook}: expected at least 3 exercises with code, found {len(stubbed)}"
    student.cells = [nbformat.v4.new_code_cell(fresh_start(str(path.parent)))] + exercises_with_setup(
        student.cells, notebook)
    NotebookClient(student, km=kernel, timeout=300).execute()
    for cell in stubbed:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "not implemented yet" in text, f"{notebook}: a stubbed exercise printed {text!r}"
        assert not any(o.output_type == "error" for o in cell.outputs)


@pytest.mark.parametrize("notebook", NOTEBOOKS[0::2])
def test_student_notebook_runs_and_checkers_report_not_implemented(notebook, kernel):
    run_student_notebook(notebook, kernel)
