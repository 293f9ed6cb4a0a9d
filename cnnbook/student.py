"""Generate the student edition of the book: the same notebooks with every solution removed.

Usage::

    python -m cnnbook.student --out _build/student-src          # write the student notebooks
    python -m cnnbook.student --out _build/student-src --build  # ... and build their HTML

What changes (see the instructors page of the book):

- In code cells, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the nbgrader
  convention) become one ``raise NotImplementedError(...)`` line at the same indentation. The
  markers always sit inside a function body, so the cell still runs, and the exercise's checker
  (called in the same cell) reports "not implemented yet".
- Everything between a ``{solution-start}`` and a ``{solution-end}`` directive is removed: the
  directive cells, explanation text, and code cells without markers (pure solution code). Code
  cells *with* markers stay, stubbed, preceded by a short "your turn" note.
- Outputs of changed cells are cleared, and the book configuration gets sphinx-exercise's
  ``hide_solutions: true`` so any remaining plain ``{solution}`` block is hidden too.

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
from pathlib import Path

import nbformat
import yaml

__all__ = ["BEGIN", "END", "stub_solution_code", "student_notebook", "make_student_edition", "main"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Exercise: replace this line with your solution")'
YOUR_TURN = ("**Your turn.** Replace the `raise NotImplementedError(...)` line below with your solution, "
             "then run the cell: the checker tells you what, if anything, is still wrong.")
_START = re.compile(r"\{solution-start\}")
_END = re.compile(r"\{solution-end\}")


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


def make_student_edition(root: Path, out: Path) -> list[Path]:
    """Write the student edition of the book rooted at ``root`` into ``out``; return the notebooks written.

    ``out`` receives ``_config.yml`` (with ``hide_solutions: true``), ``_toc.yml`` and a
    transformed copy of ``book/``.
    """
    root, out = Path(root), Path(out)
    if out.resolve() == root.resolve():
        raise ValueError("out must differ from root, or the instructor notebooks would be overwritten")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(root / "book", out / "book", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(root / "_toc.yml", out / "_toc.yml")
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["title"] = config.get("title", "") + " (student edition)"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    extra = config["sphinx"]["config"].get("html_extra_path", [])
    config["sphinx"]["config"]["html_extra_path"] = [str((root / p).resolve()) for p in extra]
    local = config["sphinx"].get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: str((root / p).resolve()) for name, p in local.items()}
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    written = []
    for path in sorted((out / "book").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.write(student_notebook(nb), path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", help="the book's repository root (default: .)")
    parser.add_argument("--out", default="_build/student-src", help="where to write the student edition")
    parser.add_argument("--build", action="store_true", help="also build its HTML into OUT/_build/html")
    args = parser.parse_args(argv)
    written = make_student_edition(Path(args.root), Path(args.out))
    print(f"wrote {len(written)} student notebooks to {args.out}")
    if args.build:
        cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", args.out, "-W", "-n", "--keep-going"]
        return subprocess.call(cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
