"""The student-edition generator: solution code becomes a stub, solution text disappears; the students'
zip and the nbgrader export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from cnnbook.student import (
    BEGIN,
    STUB,
    exercise_labels,
    make_nbgrader_course,
    make_student_edition,
    make_student_zip,
    nbgrader_notebook,
    select_notebooks,
    stub_solution_code,
    student_notebook,
)
from tests._book import exercises_with_setup, toc_documents

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


# ----- the student edition as a whole: no instructors' page, a subset on request ---------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_student_edition_leaves_out_the_instructors_page_and_its_links(tmp_path):
    out = tmp_path / "edition"
    written = make_student_edition(ROOT, out, only=["first-look"])
    assert not (out / "book" / "instructors.md").exists()
    assert "book/instructors" not in toc_documents(out / "_toc.yml")
    assert "book/instructors" in toc_documents(ROOT / "_toc.yml")
    assert "{doc}`instructors`" not in (out / "book" / "intro.md").read_text()
    assert [p.name for p in written] == ["first-look.ipynb"]
    assert "book/first-look/first-look" in toc_documents(out / "_toc.yml")
    assert "book/padding/padding" not in toc_documents(out / "_toc.yml")


def test_only_selects_chapters_notebooks_and_exercise_labels():
    padding = ROOT / "book" / "padding" / "padding.ipynb"
    label = exercise_labels(nbformat.read(padding, as_version=4))[0]
    assert select_notebooks(ROOT, ["padding"]) == [padding]
    assert select_notebooks(ROOT, [label]) == [padding]
    assert select_notebooks(ROOT, ["cross-correlation"]) == [ROOT / "book" / "convolutions" / "cross-correlation.ipynb"]
    assert len(select_notebooks(ROOT, ["convolutions"])) == len(list((ROOT / "book" / "convolutions").glob("*.ipynb"))) == 4
    with pytest.raises(ValueError, match="chapters are"):
        select_notebooks(ROOT, ["no-such-chapter"])


def test_plain_solution_blocks_are_removed_from_student_notebooks():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("```{exercise} Why\n:label: ex-why\n\nExplain.\n```"),
        nbformat.v4.new_markdown_cell("```{solution} ex-why\n:class: dropdown\n\nSECRET-RUBRIC.\n```"),
    ])
    text = "\n".join(c.source for c in student_notebook(nb).cells)
    assert "SECRET-RUBRIC" not in text and "Explain." in text


def test_student_zip_holds_notebooks_a_wheel_and_a_readme_and_no_solutions(tmp_path):
    names = make_student_zip(ROOT, tmp_path / "student.zip", only=["first-look"])
    assert names[0] == "cnnbook-student/README.md"
    wheels = [n for n in names if n.endswith(".whl")]
    assert len(wheels) == 1
    assert [n for n in names if n.endswith(".ipynb")] == ["cnnbook-student/notebooks/first-look/first-look.ipynb"]
    with zipfile.ZipFile(tmp_path / "student.zip") as archive:
        assert sorted(archive.namelist()) == sorted(names)
        notebook = archive.read("cnnbook-student/notebooks/first-look/first-look.ipynb").decode()
        readme = archive.read("cnnbook-student/README.md").decode()
        archive.extract(wheels[0], tmp_path)
    assert BEGIN not in notebook and "solution-start" not in notebook
    assert wheels[0].split("/")[-1] in readme and "download.pytorch.org/whl/cpu" in readme
    with zipfile.ZipFile(tmp_path / wheels[0]) as wheel:
        files = wheel.namelist()
    assert "cnnbook/exercises/_core.py" in files
    assert not [f for f in files if f.endswith(".ipynb") or f.startswith(("book/", "tests/"))]
    assert not (ROOT / "build").exists(), "building the wheel must not leave a build/ folder in the repository"


# ----- the nbgrader export ------------------------------------------------------------------------------------

def _graded_notebook() -> nbformat.NotebookNode:
    nb = _exercise_notebook()
    nb.cells += [
        nbformat.v4.new_markdown_cell("```{exercise} Explain\n:label: ex-explain\n\nWhy?\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-explain\n:class: dropdown\n```"),
        nbformat.v4.new_markdown_cell("Because RUBRIC-TEXT.\n\n```{solution-end}\n```"),
    ]
    return nb


def test_nbgrader_source_has_solution_test_and_manual_cells_with_metadata():
    out = nbgrader_notebook(_graded_notebook(), points=2)
    graded = {c.metadata["nbgrader"]["grade_id"]: c for c in out.cells if "nbgrader" in c.metadata}
    assert set(graded) == {"ex-t", "ex-t-check", "ex-explain"}
    answer, test, manual = graded["ex-t"], graded["ex-t-check"], graded["ex-explain"]
    assert answer.metadata["nbgrader"]["solution"] and not answer.metadata["nbgrader"]["grade"]
    assert BEGIN in answer.source and "ex.check" not in answer.source
    meta = test.metadata["nbgrader"]
    assert (meta["grade"], meta["locked"], meta["solution"], meta["points"]) == (True, True, False, 2)
    assert "ex.check(answer)" in test.source and "assert verdict" in test.source
    assert manual.cell_type == "markdown" and manual.metadata["nbgrader"]["solution"]
    assert manual.metadata["nbgrader"]["grade"] and "RUBRIC-TEXT" in manual.source and BEGIN in manual.source
    text = "\n".join(c.source for c in out.cells)
    assert "SECRET-EXPLANATION" not in text and "SECRET-CODE" not in text and "solution-start" not in text


def test_nbgrader_test_cell_raises_unless_the_verdict_is_correct():
    out = nbgrader_notebook(_exercise_notebook())
    test = next(c for c in out.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex-t-check")

    class Verdict:
        def __init__(self, ok):
            self.ok, self.message = ok, "wrong value"

        def __bool__(self):
            return self.ok

    for ok in (True, False):
        namespace = {"ex": type("ex", (), {"check": staticmethod(lambda f, ok=ok: Verdict(ok))}), "answer": None}
        if ok:
            exec(test.source, namespace)
        else:
            with pytest.raises(AssertionError, match="wrong value"):
                exec(test.source, namespace)


def _nbgrader_env() -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs alembic
    return env


def _scores(course: Path, assignment: str, student: str) -> tuple[float, float, bool]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return submission.code_score, submission.max_code_score, submission.needs_manual_grade


def test_nbgrader_round_trip_gives_the_reference_full_points_and_the_release_zero(tmp_path):
    if shutil.which("nbgrader", path=str(Path(sys.executable).parent)) is None:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail("nbgrader is not installed: install the 'teach' extra (pip install -e '.[teach]')")
        pytest.skip("nbgrader is not installed (pip install -e '.[teach]')")
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))
    course, assignment = tmp_path / "course", "first-look"
    (source,) = make_nbgrader_course(ROOT, course, only=[assignment])
    # Autograding runs the notebook twice; the exercises need only the setup cell (see exercises_with_setup).
    nb = nbformat.read(source, as_version=4)
    nb.cells = exercises_with_setup(nb.cells, assignment)
    nbformat.write(nb, source)
    env = _nbgrader_env()
    subprocess.run([nbgrader, "generate_assignment", assignment, "--create"], cwd=course, env=env, check=True,
                   capture_output=True)
    name = "first-look.ipynb"
    release = course / "release" / assignment / name
    assert BEGIN not in release.read_text() and "raise NotImplementedError" in release.read_text()
    for student, notebook in (("reference", course / "source" / assignment / name), ("untouched", release)):
        (course / "submitted" / student / assignment).mkdir(parents=True)
        shutil.copy(notebook, course / "submitted" / student / assignment / name)
    subprocess.run([nbgrader, "autograde", assignment, "--create"], cwd=course, env=env, check=True,
                   capture_output=True)
    score, max_score, _ = _scores(course, assignment, "reference")
    assert max_score > 0 and score == max_score
    score, max_score, _ = _scores(course, assignment, "untouched")
    assert score == 0
    graded = json.loads((course / "autograded" / "untouched" / assignment / name).read_text())
    errors = [o for c in graded["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
              if o["output_type"] == "error" and "nbgrader" not in c["metadata"]]
    assert errors == [], "only the graded cells may fail in the untouched release"
