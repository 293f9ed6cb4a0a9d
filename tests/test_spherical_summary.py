"""The spherical chapter quotes measured numbers only through glue, never by hand.

The summary table at the end of mesh-conv.ipynb quotes results measured in the chapter's other
notebooks. Every measured number in it must be a ``{glue:text}`` reference to a value that the
linked notebook stores in its outputs, so the table cannot drift from the measurements it quotes.
The same holds for every glue reference in the chapter's prose.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from cnnbook.report import GLUE_PREFIX
from tests._book import ROOT

SPHERICAL = ROOT / "book" / "spherical"
NOTEBOOKS = sorted(p.name for p in SPHERICAL.glob("*.ipynb"))
SUMMARY = "mesh-conv.ipynb"

#: ``{glue:text}`[notebook.ipynb::]key[:format_spec]``` as myst-nb parses it.
GLUE_ROLE = re.compile(r"\{glue:text\}`(?:(?P<doc>[\w.-]+\.ipynb)::)?(?P<key>\w+)(?::(?P<spec>[^`]+))?`")
#: A measured-looking number: a decimal fraction or a percentage.
MEASURED_NUMBER = re.compile(r"\d*\.\d+|\d+\s?%")


def _glued_values(notebook: str) -> dict[str, str]:
    """Name -> stored text of every value the notebook glues in its outputs."""
    nb = nbformat.read(SPHERICAL / notebook, as_version=4)
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                values[name] = output["data"][GLUE_PREFIX + "text/plain"]
    return values


def _markdown(notebook: str) -> list[str]:
    nb = nbformat.read(SPHERICAL / notebook, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _summary_rows() -> list[list[str]]:
    table = next(s for s in _markdown(SUMMARY) if "| method | representation" in s)
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def _glue_references() -> list[tuple[str, str, str, str | None]]:
    """(page, notebook the value comes from, key, format spec) for every glue role in the chapter."""
    refs = []
    for page in NOTEBOOKS:
        for source in _markdown(page):
            for m in GLUE_ROLE.finditer(source):
                refs.append((page, m["doc"] or page, m["key"], m["spec"]))
    index = (SPHERICAL / "index.md").read_text()
    refs += [("index.md", m["doc"] or "index.md", m["key"], m["spec"]) for m in GLUE_ROLE.finditer(index)]
    return refs


def test_summary_table_has_the_baseline_and_the_five_methods():
    methods = [row[0].split(" (")[0].lower() for row in _summary_rows()]
    assert methods == ["equirectangular cnn", "sphconv", "circular padding", "spherephd", "coordconv",
                       "mesh convolution"]


@pytest.mark.parametrize("row", _summary_rows(), ids=lambda row: row[0].split(" (")[0])
def test_summary_row_quotes_only_glued_numbers(row):
    result = row[-1]
    assert GLUE_ROLE.search(result), f"row {row[0]!r} quotes no glued result"
    for cell in row:
        unglued = GLUE_ROLE.sub("", cell)
        assert MEASURED_NUMBER.findall(unglued) == [], f"row {row[0]!r} has a hand-copied number in {cell!r}"


@pytest.mark.parametrize("row", _summary_rows(), ids=lambda row: row[0].split(" (")[0])
def test_summary_row_glues_from_the_notebook_it_links_to(row):
    result = row[-1]
    link = re.search(r"\]\(([\w-]+\.ipynb)\)", result)
    source = link.group(1) if link else SUMMARY
    docs = {m["doc"] or SUMMARY for m in GLUE_ROLE.finditer(result)}
    assert docs == {source}, f"row {row[0]!r} links to {source} but glues from {sorted(docs)}"


def test_every_glue_reference_names_a_value_stored_by_that_notebook():
    refs = _glue_references()
    assert len({doc for _, doc, _, _ in refs}) >= 5, "the chapter should quote measurements from five notebooks"
    values = {doc: _glued_values(doc) for doc in {doc for _, doc, _, _ in refs}}
    missing = [(page, doc, key) for page, doc, key, _ in refs if key not in values[doc]]
    assert missing == [], f"glue names not found in the named notebook's outputs: {missing}"


def test_every_glue_reference_can_be_formatted_as_myst_nb_will():
    for page, doc, key, spec in _glue_references():
        # myst-nb splits "doc::key:spec" at the last colon, so a cross-page reference needs a spec
        assert spec is not None or doc == page, f"{page}: {doc}::{key} needs a format spec such as :.3f"
        stored = _glued_values(doc)[key]
        if spec and spec[-1] in "eEfFgG%":
            format(float(ast.literal_eval(stored)), spec)  # raises if the value is not a number


def test_mesh_and_spherephd_comparison_matches_the_prose():
    """The mesh notebook's prose compares its upright accuracy with SpherePHD's across notebooks."""
    mesh, phd = _glued_values(SUMMARY), _glued_values("spherephd.ipynb")
    mesh_mean, mesh_sd = float(mesh["mesh_upright"]), float(mesh["mesh_upright_sd"])
    phd_mean, phd_sd = float(phd["phd_upright"]), float(phd["phd_upright_sd"])
    prose = " ".join(_markdown(SUMMARY))
    gap_exceeds_spread = phd_mean - mesh_mean > 2 * max(mesh_sd, phd_sd)
    claims_lower = "below SpherePHD" in prose
    assert claims_lower == gap_exceeds_spread, (
        f"MeshConv {mesh_mean:.3f} ± {mesh_sd:.3f} against SpherePHD {phd_mean:.3f} ± {phd_sd:.3f}: "
        f"the prose {'claims' if claims_lower else 'does not claim'} a difference")
