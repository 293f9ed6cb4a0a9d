"""The exercise catalogue (book/exercises.md) is current, and every exercise states its kind and difficulty."""

from __future__ import annotations

import importlib.util
import sys
import nbformat
import pytest

from tests._book import ROOT

_spec = importlib.util.spec_from_file_location("exercise_catalogue", ROOT / "tools" / "exercise_catalogue.py")
catalogue = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = catalogue  # dataclasses look their module up there
_spec.loader.exec_module(catalogue)

EXERCISES = catalogue.book_exercises(ROOT)


def test_the_book_has_exercises_with_unique_labels():
    labels = [ex.label for ex in EXERCISES]
    assert len(labels) >= 50
    assert all(labels)
    assert len(set(labels)) == len(labels)


def test_committed_catalogue_page_equals_the_generated_one():
    expected = catalogue.render(EXERCISES)
    assert catalogue.PAGE.read_text(encoding="utf-8") == expected, (
        "book/exercises.md is stale: run .venv/bin/python tools/exercise_catalogue.py")


def test_catalogue_lists_every_exercise_with_links_and_a_checker_column():
    page = catalogue.render(EXERCISES)
    rows = [line for line in page.splitlines() if line.startswith("| {doc}")]
    assert len(rows) == len(EXERCISES)
    for ex, row in zip(EXERCISES, rows):
        assert row.startswith(f"| {{doc}}`{ex.doc}` | {{ref}}`{ex.label} <{ex.label}>` |")
        assert row.endswith(" | yes |" if ex.checker else " | no |")


def test_catalogue_page_is_in_the_toc_before_the_glossary():
    from tests._book import toc_documents

    docs = toc_documents()
    assert docs.index("book/exercises") == docs.index("book/glossary") - 1


def test_metadata_line_parser_accepts_only_the_exact_form():
    good = catalogue.Exercise("a/a", "a", "ex-a", "T", "**Investigate** · difficulty 3 of 3", False)
    assert (good.valid, good.kind, good.difficulty) == (True, "Investigate", 3)
    for bad in ("*Implement, difficulty 2.*", "**Implement** · difficulty 4 of 3", "**Prove** · difficulty 1 of 3",
                "**Implement** - difficulty 2 of 3", "**Implement** · difficulty 2 of 3 extra", ""):
        ex = catalogue.Exercise("a/a", "a", "ex-a", "T", bad, False)
        assert (ex.valid, ex.kind, ex.difficulty) == (False, None, None), bad


def test_checker_detection_reads_the_solution_cells(tmp_path):
    book = tmp_path / "book" / "ch"
    book.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("```{exercise} With a checker\n:label: ex-ch-one\n\n"
                                      "**By hand** · difficulty 1 of 3\n\nCompute it.\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-ch-one\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("def answer():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n"
                                  "ex.check_one(answer)"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
        nbformat.v4.new_code_cell("ex.check_outside(lambda: 1)  # not inside a solution"),
        nbformat.v4.new_markdown_cell("```{exercise} In words | with a bar\n:label: ex-ch-two\n\n"
                                      "**Explain** · difficulty 2 of 3\n\nWhy?\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-ch-two\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("print('a demonstration, no checker')"),
        nbformat.v4.new_markdown_cell("A rubric.\n\n```{solution-end}\n```"),
    ]
    path = book / "ch.ipynb"
    nbformat.write(nb, path)
    found = catalogue.notebook_exercises(path, tmp_path)
    assert [(e.doc, e.chapter, e.label, e.title, e.kind, e.difficulty, e.checker) for e in found] == [
        ("ch/ch", "ch", "ex-ch-one", "With a checker", "By hand", 1, True),
        ("ch/ch", "ch", "ex-ch-two", "In words | with a bar", "Explain", 2, False),
    ]
    assert "| In words \\| with a bar |" in catalogue.render(found)


def test_check_mode_reports_a_stale_page(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(catalogue, "PAGE", tmp_path / "book" / "exercises.md")
    (tmp_path / "book").mkdir()
    catalogue.PAGE.write_text("stale\n", encoding="utf-8")
    assert catalogue.main(["--check"]) == 1
    assert "is stale" in capsys.readouterr().err
    assert catalogue.PAGE.read_text(encoding="utf-8") == "stale\n"  # --check writes nothing
    assert catalogue.main([]) == 0
    assert catalogue.main(["--check"]) == 0
    assert catalogue.PAGE.read_text(encoding="utf-8") == catalogue.render(EXERCISES)


def test_every_exercise_starts_with_a_valid_metadata_line():
    bad = [f"{ex.doc}: {ex.label}: {ex.metadata[:60]!r}" for ex in EXERCISES if not ex.valid]
    assert bad == [], "exercises whose body does not start with '**<Kind>** · difficulty <n> of 3':\n" + "\n".join(bad)


def test_every_chapter_has_an_investigate_and_an_explain_exercise():
    kinds: dict[str, set[str | None]] = {p.relative_to(ROOT / "book").parts[0]: set()
                                         for p in catalogue.toc_notebooks(ROOT) if p.parent != ROOT / "book"}
    for ex in EXERCISES:
        kinds[ex.chapter].add(ex.kind)
    missing = [f"{chapter}: no {kind}" for chapter in kinds for kind in ("Investigate", "Explain")
               if kind not in kinds[chapter]]
    assert missing == []
