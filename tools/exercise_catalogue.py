"""Generate book/exercises.md, the catalogue of every exercise in the book, from the notebooks.

Usage:
    python tools/exercise_catalogue.py            # (re)write book/exercises.md
    python tools/exercise_catalogue.py --check    # exit 1 if book/exercises.md is stale

The notebooks are read in the order of _toc.yml. For each ``{exercise}`` directive the catalogue
takes its title, its ``:label:`` and its metadata line, which is the first line of the body:

    **Implement** · difficulty 2 of 3

(kind one of By hand, Implement, Investigate, Explain; difficulty 1 to 3). An exercise "has a
checker" when a code cell between its ``{solution-start}`` and ``{solution-end}`` calls
``ex.check_...``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "exercises.md"
KINDS = ("By hand", "Implement", "Investigate", "Explain")
#: The metadata line, exactly as the first line of an exercise body must read.
METADATA = re.compile(r"^\*\*(?P<kind>" + "|".join(KINDS) + r")\*\* · difficulty (?P<difficulty>[123]) of 3$")

_EXERCISE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                       re.M | re.S)
_OPTION = re.compile(r"^:(?P<name>[\w-]+):[ \t]*(?P<value>.*)$")
_START = re.compile(r"^\s*(`{3,}|:{3,})\{solution-start\}[ \t]*(?P<label>\S+)")
_END = re.compile(r"\{solution-end\}")
_CHECKER_CALL = re.compile(r"\bex\.check_\w+\(")


@dataclass(frozen=True)
class Exercise:
    doc: str            # the notebook's document name under book/, e.g. "padding/padding"
    chapter: str        # the chapter folder, e.g. "padding"
    label: str
    title: str
    metadata: str       # the first body line, as written ("" if the body is empty)
    checker: bool

    @property
    def valid(self) -> bool:
        return METADATA.match(self.metadata) is not None

    @property
    def kind(self) -> str | None:
        match = METADATA.match(self.metadata)
        return match["kind"] if match else None

    @property
    def difficulty(self) -> int | None:
        match = METADATA.match(self.metadata)
        return int(match["difficulty"]) if match else None


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks that ``_toc.yml`` lists, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    paths = [root / (re.sub(r"\.(ipynb|md)$", "", f) + ".ipynb") for f in files]
    return [p for p in paths if p.is_file()]


def _parse_directive(match: re.Match) -> tuple[str, str, str]:
    """(title, label, metadata line) of one ``{exercise}`` directive."""
    lines = match["body"].splitlines()
    label = ""
    k = 0
    while k < len(lines) and _OPTION.match(lines[k]):
        option = _OPTION.match(lines[k])
        if option["name"] == "label":
            label = option["value"].strip()
        k += 1
    body = [line for line in lines[k:] if line.strip()]
    return match["title"].strip(), label, body[0].strip() if body else ""


def notebook_exercises(path: Path, root: Path = ROOT) -> list[Exercise]:
    """Every exercise of the notebook at ``path``, in order."""
    nb = nbformat.read(path, as_version=4)
    doc = path.relative_to(root / "book").with_suffix("").as_posix()
    chapter = path.relative_to(root / "book").parts[0]
    found: list[tuple[str, str, str]] = []
    checked: set[str] = set()
    open_label: str | None = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found += [_parse_directive(m) for m in _EXERCISE.finditer(cell.source)]
            start = _START.match(cell.source)
            if start:
                open_label = start["label"]
            elif _END.search(cell.source):
                open_label = None
        elif cell.cell_type == "code" and open_label and _CHECKER_CALL.search(cell.source):
            checked.add(open_label)
    return [Exercise(doc, chapter, label, title, metadata, label in checked) for title, label, metadata in found]


def book_exercises(root: Path = ROOT) -> list[Exercise]:
    """Every exercise of the book, in the order of the table of contents."""
    return [ex for path in toc_notebooks(root) for ex in notebook_exercises(path, root)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(exercises: list[Exercise]) -> str:
    """The Markdown of the catalogue page."""
    counts = Counter(ex.kind for ex in exercises)
    lines = [
        "<!-- Generated by tools/exercise_catalogue.py from the notebooks; do not edit by hand. -->",
        "# Exercise catalogue",
        "",
        f"The book has {len(exercises)} exercises. Each is one of four kinds: *by hand* (compute a number or a "
        "shape on paper), *implement* (write a function), *investigate* (run an experiment and interpret it) "
        "and *explain* (argue in words); its difficulty runs from 1 (a direct application of the chapter) to "
        "3 (needs an idea of your own). An exercise with a checker tells you, when you run its cell, whether "
        "your answer is right and, if not, what is wrong; the others have a model answer or a short rubric "
        "in their solution.",
        "",
        "| kind | exercises |",
        "| --- | ---: |",
    ]
    lines += [f"| {kind} | {counts.get(kind, 0)} |" for kind in KINDS]
    if counts.get(None):
        lines.append(f"| not stated | {counts[None]} |")
    lines += [
        "",
        "| chapter | exercise | title | kind | difficulty | checker |",
        "| --- | --- | --- | --- | :---: | :---: |",
    ]
    for ex in exercises:
        lines.append(f"| {{doc}}`{ex.doc}` | {{ref}}`{ex.label} <{ex.label}>` | {_cell(ex.title)} "
                     f"| {ex.kind or 'not stated'} | {ex.difficulty or '–'} | {'yes' if ex.checker else 'no'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if book/exercises.md is stale; write nothing")
    args = parser.parse_args(argv)
    text = render(book_exercises(ROOT))
    shown = PAGE.relative_to(ROOT) if PAGE.is_relative_to(ROOT) else PAGE
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.is_file() else ""
        if current != text:
            print(f"{shown} is stale: run python tools/exercise_catalogue.py", file=sys.stderr)
            return 1
        print(f"{shown} is up to date")
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
