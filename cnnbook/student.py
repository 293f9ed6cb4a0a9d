"""Generate the student edition of the book: the same notebooks with every solution removed.

Usage::

    python -m cnnbook.student --out _build/student-src          # write the student notebooks
    python -m cnnbook.student --out _build/student-src --build  # ... and build their HTML
    python -m cnnbook.student --zip _build/cnnbook-student.zip  # a zip for students: notebooks, wheel, README
    python -m cnnbook.student --nbgrader _build/nbgrader        # an nbgrader course directory
    python -m cnnbook.student --zip s.zip --only padding ex-pooling-tie-switches   # a subset (chapters, notebooks, labels)

What changes (see the instructors page of the book):

- In code cells, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the nbgrader
  convention) become one ``raise NotImplementedError(...)`` line at the same indentation. The
  markers always sit inside a function body, so the cell still runs, and the exercise's checker
  (called in the same cell) reports "not implemented yet".
- Everything between a ``{solution-start}`` and a ``{solution-end}`` directive is removed: the
  directive cells, explanation text, and code cells without markers (pure solution code). Code
  cells *with* markers stay, stubbed, preceded by a short "your turn" note.
- Plain ``{solution}`` blocks (prose solutions) are removed too, outputs of changed cells are
  cleared, and the book configuration gets sphinx-exercise's ``hide_solutions: true``.
- Pages for instructors only (``book/instructors.md``) are left out, with their table-of-contents
  entries; links to them become plain text.

The zip (``--zip``) holds the student notebooks, a wheel of the ``cnnbook`` package (no book, no
solutions) and a short README, so students never need the repository, which holds every solution.

The nbgrader export (``--nbgrader OUT``) writes ``OUT/source/<chapter>/<notebook>.ipynb`` with nbgrader
cell metadata added here (the book's notebooks stay as they are): each answer cell is a solution cell
whose ``grade_id`` is the exercise label; each checker call becomes a separate locked, autograded test
cell that raises unless the verdict is correct; an exercise without code gets a manually graded answer
cell; text that only the solutions contain is removed.

sphinx-exercise's own ``hide_solutions`` cannot do this alone: with the ``solution-start`` /
``solution-end`` pair it either crashes or leaves the solution on the page (measured with
sphinx-exercise 1.2.1), hence this generator.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat
import yaml

__all__ = ["BEGIN", "END", "INSTRUCTOR_ONLY", "stub_solution_code", "student_notebook", "exercise_labels",
           "select_notebooks", "make_student_edition", "build_wheel", "make_student_zip", "nbgrader_notebook",
           "make_nbgrader_course", "main"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Exercise: replace this line with your solution")'
YOUR_TURN = ("**Your turn.** Replace the `raise NotImplementedError(...)` line below with your solution, "
             "then run the cell: the checker tells you what, if anything, is still wrong.")
_START = re.compile(r"\{solution-start\}")
_END = re.compile(r"\{solution-end\}")
_EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n(?:(?!\1)[^\n]*\n)*?:label:\s*(\S+)", re.M)
_SOLUTION_BLOCK = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution\}[^\n]*\n.*?^(?P=fence)[ \t]*$\n?", re.M | re.S)
_DOC_ROLE = re.compile(r"\{doc\}`(?:([^`<]*?)\s*<([^`>]+)>|([^`<>]+))`")

#: Documents of the book left out of every student edition, with the words that replace links to them.
INSTRUCTOR_ONLY = {"book/instructors": "the instructors' guide of the full edition"}


def stub_solution_code(source: str) -> str:
    """Replace each marked solution region of ``source`` with a ``NotImplementedError`` stub.

    Raises ``ValueError`` if the markers are unbalanced or a region is not indented (the
    markers must sit inside a function body so the stubbed cell still runs).
    """
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"line {number}: nested {BEGIN!r}")
            indent = line[: len(line) - len(line.lstrip())]
            if not indent:
                raise ValueError(f"line {number}: {BEGIN!r} must be inside a function body (indented)")
            out.append(indent + STUB)
            inside = True
        elif stripped == END:
            if not inside:
                raise ValueError(f"line {number}: {END!r} without a matching {BEGIN!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without a matching {END!r}")
    return "\n".join(out)


def _clear(cell: nbformat.NotebookNode) -> None:
    cell.outputs = []
    cell.execution_count = None


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a student copy of notebook ``nb`` (the input is not modified)."""
    nb = nbformat.from_dict(nb)  # deep copy
    cells = []
    inside = False
    for cell in nb.cells:
        text = cell.source
        if cell.cell_type == "markdown" and _START.search(text):
            if not re.match(r"\s*(`{3,}|:{3,})\{solution-start\}", text):
                raise ValueError("a {solution-start} directive must open its own markdown cell, "
                                 f"but this cell starts with: {text.strip()[:60]!r}")
            if inside:
                raise ValueError("a {solution-start} opens before the previous one is closed")
            inside = True
            continue
        if cell.cell_type == "markdown" and _END.search(text):
            if not inside:
                raise ValueError("a {solution-end} without a {solution-start}")
            inside = False
            continue
        if inside and cell.cell_type != "code":
            continue
        if cell.cell_type == "markdown" and _SOLUTION_BLOCK.search(text):
            cell.source = _SOLUTION_BLOCK.sub("", text).strip()
            if not cell.source:
                continue
        if cell.cell_type == "code" and BEGIN in text:
            cell.source = stub_solution_code(text)
            _clear(cell)
            if inside:
                cells.append(nbformat.v4.new_markdown_cell(YOUR_TURN))
        elif inside:
            continue  # pure solution code
        cells.append(cell)
    if inside:
        raise ValueError("a {solution-start} is never closed by a {solution-end}")
    nb.cells = cells
    nb.metadata.setdefault("cnnbook", {})["edition"] = "student"
    return nb


def exercise_labels(nb: nbformat.NotebookNode) -> list[str]:
    """The labels of the ``{exercise}`` blocks of notebook ``nb``, in order."""
    return [m.group(2) for cell in nb.cells if cell.cell_type == "markdown"
            for m in _EXERCISE.finditer(cell.source)]


def book_notebooks(root: Path) -> list[Path]:
    """Every notebook under ``root/book``, sorted."""
    return sorted(p for p in (Path(root) / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def select_notebooks(root: Path, only: Sequence[str] | None = None) -> list[Path]:
    """The notebooks of the book that ``only`` names; all of them if ``only`` is empty.

    Each item of ``only`` is a chapter (the folder under ``book/``, e.g. ``padding``), a notebook
    (its name without ``.ipynb``, e.g. ``cross-correlation``) or an exercise label (e.g.
    ``ex-padding-tf-same``), which selects the notebook that holds it. Raises ``ValueError`` for an
    item that names nothing, listing the chapters.
    """
    notebooks = book_notebooks(root)
    if not only:
        return notebooks
    labels = {path: set(exercise_labels(nbformat.read(path, as_version=4))) for path in notebooks}
    chosen = []
    for item in only:
        matches = [p for p in notebooks if item in (p.parent.name, p.stem) or item in labels[p]]
        if not matches:
            chapters = sorted({p.parent.name for p in notebooks})
            raise ValueError(f"--only {item!r} names no chapter, notebook or exercise label; "
                             f"chapters are: {', '.join(chapters)}")
        chosen += [p for p in matches if p not in chosen]
    return sorted(chosen)


def _doc_of(path: Path, root: Path) -> str:
    return str(path.relative_to(root).with_suffix(""))


def _prune_toc(entries: list | None, removed: set[str]) -> list:
    kept = []
    for entry in entries or []:
        if entry.get("file") in removed:
            continue
        entry = dict(entry)
        for key in ("sections", "chapters"):
            if key in entry:
                entry[key] = _prune_toc(entry[key], removed)
                if not entry[key]:
                    del entry[key]
        kept.append(entry)
    return kept


def _unlink(text: str, removed: dict[str, str]) -> str:
    """Replace ``{doc}`` links to removed documents by their title, or by the words in ``removed``."""
    names = {Path(doc).name: words for doc, words in removed.items()}

    def replace(match: re.Match) -> str:
        title, target = match.group(1), match.group(2) or match.group(3)
        name = Path(target.strip()).with_suffix("").name
        if name not in names:
            return match.group(0)
        return title if title else names[name]

    return _DOC_ROLE.sub(replace, text)


def make_student_edition(root: Path, out: Path, only: Sequence[str] | None = None) -> list[Path]:
    """Write the student edition of the book rooted at ``root`` into ``out``; return the notebooks written.

    ``out`` receives ``_config.yml`` (with ``hide_solutions: true``), ``_toc.yml`` and a
    transformed copy of ``book/`` without the instructor-only pages (:data:`INSTRUCTOR_ONLY`).
    ``only`` keeps a subset of the notebooks (see :func:`select_notebooks`).
    """
    root, out = Path(root), Path(out)
    if out.resolve() == root.resolve():
        raise ValueError("out must differ from root, or the instructor notebooks would be overwritten")
    selected = {_doc_of(p, root) for p in select_notebooks(root, only)}
    removed = dict(INSTRUCTOR_ONLY)
    removed.update({_doc_of(p, root): f"“{p.stem}”" for p in book_notebooks(root) if _doc_of(p, root) not in selected})
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(root / "book", out / "book", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for doc in removed:
        for suffix in (".md", ".ipynb"):
            (out / doc).with_suffix(suffix).unlink(missing_ok=True)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    if "parts" in toc:
        for part in toc["parts"]:
            part["chapters"] = _prune_toc(part.get("chapters"), set(removed))
        toc["parts"] = [part for part in toc["parts"] if part["chapters"]]
    if "chapters" in toc:
        toc["chapters"] = _prune_toc(toc["chapters"], set(removed))
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["title"] = config.get("title", "") + " (student edition)"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    extra = config["sphinx"]["config"].get("html_extra_path", [])
    config["sphinx"]["config"]["html_extra_path"] = [str((root / p).resolve()) for p in extra]
    local = config["sphinx"].get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: str((root / p).resolve()) for name, p in local.items()}
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    for page in sorted((out / "book").rglob("*.md")):
        page.write_text(_unlink(page.read_text(), removed))
    written = []
    for path in sorted((out / "book").rglob("*.ipynb")):
        nb = student_notebook(nbformat.read(path, as_version=4))
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _unlink(cell.source, removed)
        nbformat.write(nb, path)
        written.append(path)
    return written


# ----- the zip for students -----------------------------------------------------------------------------

STUDENT_README = """# {title}: student notebooks

This folder holds the notebooks of the book with the exercises left for you to solve, and the book's
companion package, `cnnbook`, as a wheel. You need Python 3.11; no GPU and no internet once installed.

## Set up (once)

```
python3 -m venv .venv
.venv/bin/pip install "{wheel}[lab]"
```

This installs `cnnbook` with its pinned dependencies (NumPy, PyTorch, ...) and JupyterLab with
jupyterlab-myst, which shows the exercises as boxes. PyTorch's default Linux wheels bundle the CUDA
libraries (several GB). Without an NVIDIA GPU, install PyTorch's smaller CPU-only wheels first:

```
.venv/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch=={torch} torchvision=={torchvision}
.venv/bin/pip install "{wheel}[lab]"
```

## Work

```
.venv/bin/jupyter lab notebooks/
```

Each exercise has a function to complete: replace its `raise NotImplementedError(...)` line with your
code and run the cell. The checker below it says "correct", or what is still wrong (shape, dtype, the
first wrong value, an exception), without giving the answer away. Exercises that ask you to implement
something must not call the package's own version of it; the checker says so if they do.

Licences: the code is MIT-licensed, the text and figures CC BY 4.0 (see the book's landing page).
"""


def _pin(root: Path, name: str) -> str:
    match = re.search(rf'"{re.escape(name)}==([^"]+)"', (root / "pyproject.toml").read_text())
    if not match:
        raise ValueError(f"pyproject.toml pins no {name}")
    return match.group(1)


def build_wheel(root: Path, dest: Path) -> Path:
    """Build the ``cnnbook`` wheel (the package only: no book, no tests) into ``dest``; return its path.

    Builds from a temporary copy of the package sources, so the repository gets no ``build/`` folder.
    """
    root, dest = Path(root), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(root / name, src / name)
        shutil.copytree(root / "cnnbook", src / "cnnbook", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(src / "dist"),
                        str(src)], check=True)
        (wheel,) = sorted((src / "dist").glob("cnnbook-*.whl"))
        target = dest / wheel.name
        shutil.copy(wheel, target)
    return target


def make_student_zip(root: Path, zip_path: Path, only: Sequence[str] | None = None,
                     wheel: Path | None = None) -> list[str]:
    """Write the students' zip: ``cnnbook-student/`` with ``notebooks/`` (the student notebooks),
    the ``cnnbook`` wheel and ``README.md``; return the names it holds.

    ``wheel`` reuses an already built wheel; otherwise one is built with :func:`build_wheel`.
    """
    root, zip_path = Path(root), Path(zip_path)
    config = yaml.safe_load((root / "_config.yml").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(wheel) if wheel is not None else build_wheel(root, Path(tmp))
        readme = STUDENT_README.format(title=config.get("title", "cnnbook"), wheel=wheel.name,
                                       torch=_pin(root, "torch"), torchvision=_pin(root, "torchvision"))
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        names = []
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("cnnbook-student/README.md", readme)
            names.append("cnnbook-student/README.md")
            archive.write(wheel, f"cnnbook-student/{wheel.name}")
            names.append(f"cnnbook-student/{wheel.name}")
            for path in select_notebooks(root, only):
                nb = student_notebook(nbformat.read(path, as_version=4))
                name = f"cnnbook-student/notebooks/{path.relative_to(root / 'book').as_posix()}"
                archive.writestr(name, nbformat.writes(nb))
                names.append(name)
    return names


# ----- the nbgrader export --------------------------------------------------------------------------------

def _nbgrader_meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _directive_label(text: str, directive: str) -> str | None:
    match = re.search(r"\{" + directive + r"\}\s*(\S+)", text)
    return match.group(1) if match else None


def _split_checker_call(source: str) -> tuple[str, str]:
    """(answer code up to ``### END SOLUTION``, the checker call after it)."""
    head, _, tail = source.rpartition(END)
    lines = [line for line in tail.splitlines() if line.strip()]
    if len(lines) != 1 or not lines[0].strip().startswith("ex.check"):
        raise ValueError(f"after {END!r} a solution cell must hold exactly one checker call, got {tail.strip()!r}")
    return (head + END).rstrip(), lines[0].strip()


def _test_source(call: str) -> str:
    return ("# Autograded: this cell fails unless the checker's verdict is correct.\n"
            f"verdict = {call}\n"
            "assert verdict, verdict.message")


def _rubric(cells: Iterable[nbformat.NotebookNode]) -> str:
    text = "\n\n".join(c.source for c in cells if c.cell_type == "markdown")
    text = re.sub(r"^(`{3,}|:{3,})\{solution-(start|end)\}[^\n]*\n(?:(?!\1)[^\n]*\n)*?\1[ \t]*$", "", text,
                  flags=re.M)
    text = _SOLUTION_BLOCK.sub(lambda m: m.group(0).split("\n", 1)[1].rsplit(m.group("fence"), 1)[0], text)
    text = re.sub(r"^:class:[^\n]*\n", "", text, flags=re.M)
    return text.strip()


def nbgrader_notebook(nb: nbformat.NotebookNode, points: int = 1) -> nbformat.NotebookNode:
    """The nbgrader *source* version of a book notebook (the input is not modified).

    - The answer code of each exercise (``### BEGIN/END SOLUTION`` inside a function) becomes an
      nbgrader solution cell with ``grade_id`` = the exercise label; nbgrader's ``generate_assignment``
      turns the marked region into a stub.
    - The checker call after it becomes its own locked, autograded test cell worth ``points``: it
      raises (an ``AssertionError`` with the checker's message) unless the verdict is correct.
    - An exercise without such code gets a manually graded markdown answer cell worth ``points``,
      holding the solution's text as the rubric (between nbgrader's solution markers, so it is
      removed from the release).
    - Everything else inside a solution (explanations, solution-only code, the directives) is removed.
    """
    nb = nbformat.from_dict(nb)
    cells: list[nbformat.NotebookNode] = []
    label: str | None = None
    inside: list[nbformat.NotebookNode] | None = None
    answered = False

    def manual_cell(text: str, grade_id: str) -> nbformat.NotebookNode:
        cell = nbformat.v4.new_markdown_cell(f"{BEGIN}\n\n{text or 'Your answer.'}\n\n{END}")
        cell.metadata["nbgrader"] = _nbgrader_meta(grade_id, solution=True, grade=True, locked=False, points=points)
        return cell

    for cell in nb.cells:
        text = cell.source
        if cell.cell_type == "markdown" and _EXERCISE.search(text):
            label = _EXERCISE.search(text).group(2)
            cells.append(cell)
            continue
        if cell.cell_type == "markdown" and _START.search(text):
            inside, answered = [], False
            label = _directive_label(text, "solution-start") or label
            continue
        if inside is not None:
            if cell.cell_type == "code" and BEGIN in text:
                answer, call = _split_checker_call(text)
                cell.source = answer
                cell.outputs, cell.execution_count = [], None
                cell.metadata["nbgrader"] = _nbgrader_meta(label, solution=True, grade=False, locked=False)
                test = nbformat.v4.new_code_cell(_test_source(call))
                test.metadata["nbgrader"] = _nbgrader_meta(f"{label}-check", solution=False, grade=True,
                                                           locked=True, points=points)
                cells += [cell, test]
                answered = True
            else:
                inside.append(cell)
            if cell.cell_type == "markdown" and _END.search(text):
                if not answered:
                    cells.append(manual_cell(_rubric(inside), label))
                inside = None
            continue
        if cell.cell_type == "markdown" and _SOLUTION_BLOCK.search(text):
            block_label = _directive_label(text, "solution") or label
            rest = _SOLUTION_BLOCK.sub("", text).strip()
            if rest:
                cell.source = rest
                cells.append(cell)
            cells.append(manual_cell(_rubric([nbformat.v4.new_markdown_cell(text)]), block_label))
            continue
        cells.append(cell)
    if inside is not None:
        raise ValueError("a {solution-start} is never closed by a {solution-end}")
    nb.cells = cells
    nb.metadata.setdefault("cnnbook", {})["edition"] = "nbgrader-source"
    return nb


NBGRADER_CONFIG = """c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
c.CourseDirectory.course_id = "cnnbook"
# A notebook runs in about a minute on a laptop CPU; allow for slower graders.
c.ExecutePreprocessor.timeout = 600
"""


def make_nbgrader_course(root: Path, out: Path, only: Sequence[str] | None = None, points: int = 1) -> list[Path]:
    """Write an nbgrader course directory: ``out/nbgrader_config.py`` and
    ``out/source/<chapter>/<notebook>.ipynb`` (one assignment per chapter); return the notebooks written."""
    root, out = Path(root), Path(out)
    written = []
    for path in select_notebooks(root, only):
        target = out / "source" / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbgrader_notebook(nbformat.read(path, as_version=4), points=points), target)
        written.append(target)
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", help="the book's repository root (default: .)")
    parser.add_argument("--out", help="where to write the student edition (e.g. _build/student-src)")
    parser.add_argument("--build", action="store_true", help="also build its HTML into OUT/_build/html")
    parser.add_argument("--zip", metavar="ZIP", help="also write the students' zip (notebooks, wheel, README)")
    parser.add_argument("--nbgrader", metavar="OUT", help="write an nbgrader course directory")
    parser.add_argument("--only", nargs="+", metavar="LABEL_OR_CHAPTER",
                        help="only these chapters, notebooks or exercises (an exercise label selects its notebook)")
    args = parser.parse_args(argv)
    if not (args.out or args.zip or args.nbgrader):
        parser.error("give at least one of --out, --zip, --nbgrader")
    if args.build and not args.out:
        parser.error("--build needs --out")
    if args.build and args.only:
        parser.error("--build makes the whole book's HTML; --only is for --out, --zip and --nbgrader")
    root = Path(args.root)
    try:
        if args.out:
            written = make_student_edition(root, Path(args.out), args.only)
            print(f"wrote {len(written)} student notebooks to {args.out}")
        if args.zip:
            names = make_student_zip(root, Path(args.zip), args.only)
            print(f"wrote {args.zip}: {sum(n.endswith('.ipynb') for n in names)} notebooks, the cnnbook wheel, README.md")
        if args.nbgrader:
            written = make_nbgrader_course(root, Path(args.nbgrader), args.only)
            print(f"wrote an nbgrader course with {len(written)} notebooks to {args.nbgrader}")
    except ValueError as exc:
        parser.error(str(exc))
    if args.build:
        cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", args.out, "-W", "-n", "--keep-going"]
        return subprocess.call(cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
