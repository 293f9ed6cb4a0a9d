"""The second half of the student-notebook runs (see ``test_student_notebooks.py``)."""

from __future__ import annotations

import pytest

from tests.test_student_notebooks import NOTEBOOKS, kernel, run_student_notebook  # noqa: F401 (a fixture)


@pytest.mark.parametrize("notebook", NOTEBOOKS[1::2])
def test_student_notebook_runs_and_checkers_report_not_implemented(notebook, kernel):
    run_student_notebook(notebook, kernel)
