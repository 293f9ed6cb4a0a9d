"""The committed notebooks follow the book's one convention for exact and measured cells.

Fast checks on the stored notebooks (nothing is executed):

- a cell that glues a value, trains or times is *measured*: it carries the nbval tag
  ``nbval-ignore-output``, so strict nbval does not compare its machine-dependent output;
- that tag is the only way to mark it (no ``# NBVAL_IGNORE_OUTPUT`` comment, no misspelt tag);
- every ``{glue:text}`name``` (or ``{glue}``, ``{glue:md}``, ``{glue:figure}``...) in the prose names a
  glue record stored in the outputs of the notebook it points to.

See "Exact and measured cells" in CONTRIBUTING.md for the rule these checks enforce.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests._book import ROOT, book_notebooks

IGNORE_TAG = "nbval-ignore-output"
GLUE_PREFIX = "application/papermill.record/"
HOW_TO = "see 'Exact and measured cells' in CONTRIBUTING.md"

# What makes a cell measured. `.step()` with no arguments is an optimizer or scheduler step
# (matplotlib's `ax.step(x, y)` takes arguments and is a plot). A gradient alone (`.backward()` in
# float64, as the receptive-field cells use) is arithmetic, not training: a training loop written by
# hand shows itself by its `.step()`.
TRAINS = {"fit(": r"\bfit\(", ".step()": r"\.step\(\s*\)"}
TIMES = {"best_time(": r"\bbest_time\(", "median_time(": r"\bmedian_time\(",
         "perf_counter(": r"\bperf_counter\(", "time.time(": r"\btime\.time\(", "timeit": r"\btimeit\b"}

_ROLE = re.compile(r"\{glue(?::(any|text|md)?)?\}`([^`]+)`")
_DIRECTIVE = re.compile(r"^[ \t]*(`{3,}|:{3,})\{glue(?::(?:any|figure|math|md)?)?\}[ \t]+(\S+)[ \t]*\n"
                        r"((?:[ \t]*:[\w-]+:.*\n)*)", re.M)
_PLAIN_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(?!\{)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.M | re.S)


def _source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _code_cells(nb: dict) -> list[tuple[int, int, dict]]:
    """(index among all cells, nbval's code-cell number, cell) for every code cell."""
    found, number = [], 0
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            found.append((index, number, cell))
            number += 1
    return found


def _where(name: str, index: int, number: int) -> str:
    return f"{name} cell {index} (nbval 'Cell {number}')"


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def glue_names(nb: dict) -> set[str]:
    """Names of the glue records stored in a notebook's outputs (as myst-nb finds them)."""
    return {output["metadata"]["scrapbook"]["name"]
            for cell in nb["cells"] if cell["cell_type"] == "code"
            for output in cell.get("outputs", [])
            if "name" in output.get("metadata", {}).get("scrapbook", {})}


def untagged_glue_cells(nb: dict, name: str) -> list[str]:
    problems = []
    for index, number, cell in _code_cells(nb):
        records = [key for output in cell.get("outputs", []) for key in output.get("data", {})
                   if key.startswith(GLUE_PREFIX)]
        if records and IGNORE_TAG not in _tags(cell):
            problems.append(f"{_where(name, index, number)} glues a value ({records[0]}) but is not tagged "
                            f"{IGNORE_TAG}: add the tag to cell.metadata.tags ({HOW_TO})")
    return problems


def untagged_measured_cells(nb: dict, name: str) -> list[str]:
    problems = []
    for index, number, cell in _code_cells(nb):
        code = "\n".join(line for line in _source(cell).splitlines() if not line.lstrip().startswith("#"))
        calls = [call for call, pattern in (TRAINS | TIMES).items() if re.search(pattern, code)]
        if calls and IGNORE_TAG not in _tags(cell):
            problems.append(f"{_where(name, index, number)} trains or times (calls "
                            f"{', '.join(f'`{c}`' for c in calls)}) but is not "
                            f"tagged {IGNORE_TAG}: tag it, run several seeds, assert the robust claim with a "
                            f"margin and glue the numbers ({HOW_TO})")
    return problems


def ignore_output_markers(nb: dict, name: str) -> list[str]:
    problems = []
    for index, number, cell in _code_cells(nb):
        comments = [line.strip() for line in _source(cell).splitlines()
                    if line.strip().startswith("#")
                    and line.strip().lstrip("#").strip() in ("NBVAL_IGNORE_OUTPUT", "PYTEST_VALIDATE_IGNORE_OUTPUT")]
        if comments:
            problems.append(f"{_where(name, index, number)} marks its output with the comment {comments[0]!r}: "
                            f"delete the comment and tag the cell {IGNORE_TAG} instead ({HOW_TO})")
        misspelt = [t for t in _tags(cell) if t != IGNORE_TAG and t.lower().replace("_", "-") == IGNORE_TAG]
        if misspelt:
            problems.append(f"{_where(name, index, number)} has the tag {misspelt[0]!r}, which nbval ignores: "
                            f"use exactly {IGNORE_TAG}")
    return problems


def glue_references(markdown: str) -> list[tuple[str | None, str, str]]:
    """Every glue reference in a markdown cell as (other document or None, key, the text as written).

    Parsed as myst-nb parses it: ``{glue:text}`` splits a format spec off at the last ``:`` and then
    a document at ``::``; ``{glue}`` splits only the document; ``{glue:md}`` takes no document;
    directives name another document with a ``:doc:`` option.
    """
    refs: list[tuple[str | None, str, str]] = []
    for match in _DIRECTIVE.finditer(markdown):
        doc = re.search(r":doc:\s*(\S+)", match.group(3))
        refs.append((doc.group(1) if doc else None, match.group(2), match.group(0).strip().splitlines()[0]))
    prose = _PLAIN_FENCE.sub(" ", _DIRECTIVE.sub(" ", markdown))
    for match in _ROLE.finditer(prose):
        kind, text = match.group(1) or "any", match.group(2)
        key = text.rsplit(":", 1)[0] if kind in ("text", "md") and ":" in text else text
        doc, _, inner = key.partition("::") if kind in ("text", "any") and "::" in key else (None, "", key)
        refs.append((doc or None, inner, match.group(0)))
    return refs


def missing_glue_records(nb: dict, name: str, path: Path) -> list[str]:
    problems = []
    own = glue_names(nb)
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        where = f"{name} cell {index} (markdown)"
        missing = []
        for doc, key, written in glue_references(_source(cell)):
            if doc is None and "::" in written and written.startswith("{glue:text}"):
                problems.append(f"{where}: myst-nb reads {written} as the key {key!r} of this notebook; give the "
                                f"cross-notebook form a format spec, e.g. `other.ipynb::name:s` or `:.3f`")
                continue
            if doc is None:
                if key not in own:
                    missing.append(written)
                continue
            other = (ROOT / doc.lstrip("/")) if doc.startswith("/") else (path.parent / doc)
            if not other.is_file():
                problems.append(f"{where}: {written} points to {doc}, which is not a file next to {name}")
            elif key not in glue_names(_load(other)):
                problems.append(f"{where}: {written} names no glue record stored in {doc}; glue {key!r} there "
                                f"and re-execute that notebook ({HOW_TO})")
        if missing:
            problems.append(f"{where}: {', '.join(missing)} name no glue record stored in this notebook (it has "
                            f"{sorted(own) or 'none'}); glue each value with cnnbook.report.glue(name, value) in a "
                            f"code cell above, tagged {IGNORE_TAG}, and re-execute the notebook ({HOW_TO})")
    return problems


NOTEBOOKS = book_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cells_that_glue_a_value_are_tagged_ignore_output(path):
    problems = untagged_glue_cells(_load(path), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cells_that_train_or_time_are_tagged_ignore_output(path):
    problems = untagged_measured_cells(_load(path), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_ignore_output_is_marked_only_by_the_tag(path):
    problems = ignore_output_markers(_load(path), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_glue_references_name_stored_glue_records(path):
    problems = missing_glue_records(_load(path), str(path.relative_to(ROOT)), path)
    assert not problems, "\n".join(problems)


# The checks themselves, on small notebooks made up for the purpose.

def _nb(*cells: dict) -> dict:
    return {"cells": list(cells)}


def _code(source: str, tags=(), outputs=()) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)}, "outputs": list(outputs)}


def _md(source: str) -> dict:
    return {"cell_type": "markdown", "source": source, "metadata": {}}


def _glued(name: str, prefix: str = GLUE_PREFIX) -> dict:
    return {"output_type": "display_data", "data": {prefix + "text/plain": "0.98"},
            "metadata": {"scrapbook": {"name": name, "mime_prefix": prefix}}}


def test_training_and_timing_cells_are_measured_but_plots_and_gradients_are_not():
    nb = _nb(_code("model = fit(model, data)"), _code("opt.step()\nsched.step( )"), _code("t = best_time(f)"),
             _code("start = time.perf_counter()"), _code("ax.step(x, y, where='mid')"),
             _code("y.sum().backward()\ng = x.grad"), _code("# we fit( nothing here\nprint(1)"),
             _code("model = fit(model, data)", tags=[IGNORE_TAG]))
    problems = untagged_measured_cells(nb, "nb.ipynb")
    assert [p.split(" (nbval")[0] for p in problems] == [f"nb.ipynb cell {i}" for i in range(4)]
    assert "calls `fit(`" in problems[0] and "calls `.step()`" in problems[1] and "`perf_counter(`" in problems[3]


def test_a_glue_cell_without_the_tag_is_reported_with_its_place():
    nb = _nb(_md("# title"), _code("glue('acc', 0.98)", outputs=[_glued("acc")]),
             _code("glue('n', 3)", tags=[IGNORE_TAG], outputs=[_glued("n")]))
    assert untagged_glue_cells(nb, "nb.ipynb") == [
        f"nb.ipynb cell 1 (nbval 'Cell 0') glues a value ({GLUE_PREFIX}text/plain) but is not tagged "
        f"{IGNORE_TAG}: add the tag to cell.metadata.tags ({HOW_TO})"]


def test_the_comment_marker_and_misspelt_tags_are_reported():
    nb = _nb(_code("# NBVAL_IGNORE_OUTPUT\nfit(m, d)"), _code("x = 1", tags=["NBVAL_IGNORE_OUTPUT"]),
             _code("x = 2", tags=[IGNORE_TAG]))
    problems = ignore_output_markers(nb, "nb.ipynb")
    assert len(problems) == 2
    assert "comment '# NBVAL_IGNORE_OUTPUT'" in problems[0]
    assert "'NBVAL_IGNORE_OUTPUT', which nbval ignores" in problems[1]


def test_glue_references_are_parsed_as_myst_nb_parses_them():
    refs = glue_references("We reach {glue:text}`acc:.3f` and {glue}`n`, see {glue:text}`other.ipynb::acc:.2f`"
                           " and {glue:text}`plain`.\n\n```{glue:figure} fig\n:doc: other.ipynb\n:name: f\n```\n"
                           "```python\nshow {glue:text}`not_a_reference`\n```\n")
    assert [(d, k) for d, k, _ in refs] == [("other.ipynb", "fig"), (None, "acc"), (None, "n"),
                                            ("other.ipynb", "acc"), (None, "plain")]


def test_missing_and_cross_notebook_glue_records_are_reported(tmp_path):
    other = tmp_path / "other.ipynb"
    other.write_text(json.dumps(_nb(_code("glue('acc', 0.9)", tags=[IGNORE_TAG], outputs=[_glued("acc")]))))
    nb = _nb(_code("glue('mean', 0.5)", tags=[IGNORE_TAG], outputs=[_glued("mean")]),
             _md("{glue:text}`mean:.2f` {glue:text}`other.ipynb::acc:.3f` {glue:text}`sd:.2f` "
                 "{glue:text}`other.ipynb::sd:.3f` {glue:text}`other.ipynb::acc` {glue:text}`gone.ipynb::acc:s`"))
    problems = missing_glue_records(nb, "nb.ipynb", tmp_path / "nb.ipynb")
    assert len(problems) == 4
    assert "names no glue record stored in other.ipynb" in problems[0]
    assert "give the cross-notebook form a format spec" in problems[1]
    assert "points to gone.ipynb, which is not a file" in problems[2]
    assert "{glue:text}`sd:.2f` name no glue record stored in this notebook (it has ['mean'])" in problems[3]
