"""The spherical chapter's summary table quotes numbers measured in other notebooks.

Every number in its last column must appear in the stored (nbval-checked) outputs of the notebook
that row links to, so the table cannot drift from the measurements it quotes.
"""

from __future__ import annotations

import re

import nbformat

from tests._book import ROOT

SPHERICAL = ROOT / "book" / "spherical"


def _outputs_text(notebook: str) -> str:
    nb = nbformat.read(SPHERICAL / notebook, as_version=4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
            parts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(parts)


def _summary_rows() -> list[list[str]]:
    nb = nbformat.read(SPHERICAL / "mesh-conv.ipynb", as_version=4)
    table = next(c.source for c in nb.cells if c.cell_type == "markdown" and "| method | representation" in c.source)
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_summary_table_has_the_five_methods():
    methods = [row[0].split(" (")[0].lower() for row in _summary_rows()]
    assert methods == ["sphconv", "circular padding", "spherephd", "coordconv", "mesh convolution"]


def test_every_quoted_result_appears_in_the_linked_notebooks_outputs():
    for row in _summary_rows():
        result = row[-1]
        link = re.search(r"\(([\w-]+\.ipynb)\)", result)
        notebook = link.group(1) if link else "mesh-conv.ipynb"
        outputs = _outputs_text(notebook)
        numbers = re.findall(r"\d+\.\d+", re.sub(r"\([\w-]+\.ipynb\)", "", result))
        assert numbers, f"row {row[0]!r} quotes no measured number"
        missing = [n for n in numbers if n not in outputs]
        assert missing == [], f"row {row[0]!r}: {missing} not found in the outputs of {notebook}"
