"""The student-edition generator: solution code becomes a stub, solution text disappears."""

from __future__ import annotations

import nbformat
import pytest

from cnnbook.student import STUB, stub_solution_code, student_notebook

SOLVED = '''def answer(x):
    """Docstring stays."""
    ### BEGIN SOLUTION
    y = x + 1
    return y * 2
    ### END SOLUTION

ex.check(answer)'''


def test_marked_region_becomes_one_stub_line_at_the_same_indentation():
    out = stub_solution_code(SOLVED)
    assert "    " + STUB in out.splitlines()
    assert "x + 1" not in out and "### BEGIN" not in out
    assert '"""Docstring stays."""' in out and "ex.check(answer)" in out


def test_stubbed_function_raises_not_implemented():
    namespace = {"ex": type("ex", (), {"check": staticmethod(lambda f: f)})}
    exec(stub_solution_code(SOLVED), namespace)
    with pytest.raises(NotImplementedError):
        namespace["answer"](1)


@pytest.mark.parametrize(
    ("source", "message"),
    [("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "inside a function"),
     ("def f():\n    ### BEGIN SOLUTION\n    return 1", "without a matching"),
     ("def f():\n    ### END SOLUTION", "without a matching"),
     ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "nested")],
)
def test_malformed_markers_are_rejected_with_the_line(source, message):
    with pytest.raises(ValueError, match=message):
        stub_solution_code(source)


def _exercise_notebook(extra_solution_code: bool = True) -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell("```{exercise} Task\n:label: ex-t\n\nDo the thing.\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-t\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell(SOLVED),
        nbformat.v4.new_markdown_cell("Because SECRET-EXPLANATION.\n\n```{solution-end}\n```"),
        nbformat.v4.new_markdown_cell("## References"),
    ]
    if extra_solution_code:
        cells.insert(3, nbformat.v4.new_code_cell("print('SECRET-CODE')"))
    cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="correct")]
    cells[2].execution_count = 3
    return nbformat.v4.new_notebook(cells=cells)


def test_student_notebook_keeps_the_task_and_removes_every_solution():
    nb = _exercise_notebook()
    student = student_notebook(nb)
    text = "\n".join(c.source for c in student.cells)
    assert "Do the thing." in text and "## References" in text
    assert "SECRET-EXPLANATION" not in text and "SECRET-CODE" not in text and "x + 1" not in text
    assert "solution-start" not in text and "solution-end" not in text
    stubbed = [c for c in student.cells if c.cell_type == "code"]
    assert len(stubbed) == 1 and STUB in stubbed[0].source
    assert stubbed[0].outputs == [] and stubbed[0].execution_count is None
    assert student.metadata["cnnbook"]["edition"] == "student"
    # the instructor notebook is untouched
    assert "x + 1" in nb.cells[2].source


def test_solution_start_must_open_its_own_cell():
    nb = _exercise_notebook()
    nb.cells[0].source += "\n\n```{solution-start} ex-t\n```"
    del nb.cells[1]
    with pytest.raises(ValueError, match="its own markdown cell"):
        student_notebook(nb)


def test_unclosed_solution_is_rejected():
    nb = _exercise_notebook()
    del nb.cells[4]
    with pytest.raises(ValueError, match="never closed"):
        student_notebook(nb)


def test_every_marked_solution_cell_ends_with_exactly_one_checker_call():
    """In the student edition the marked function raises, so only its checker may call it."""
    from tests._book import book_notebooks

    offenders = []
    for path in book_notebooks():
        for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code" and "### END SOLUTION" in cell.source:
                tail = [line for line in cell.source.split("### END SOLUTION")[-1].splitlines() if line.strip()]
                if len(tail) != 1 or not tail[0].startswith("ex.check_"):
                    offenders.append(f"{path.name} cell {number}")
    assert offenders == []
