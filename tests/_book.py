"""Helpers shared by the tests of the published book and the student edition."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import yaml

from cnnbook.student import BEGIN, END

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def toc_documents(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every document named in ``_toc.yml`` (root first), without file extension."""
    toc = yaml.safe_load(toc_path.read_text())
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(ipynb|md)$", "", d) for d in docs]


def book_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


#: Each notebook should run in this many seconds on 2 idle cores (`make bench-notebooks` reports it).
NOTEBOOK_BUDGET_S = 60.0
#: The test run fails a notebook only on a gross regression: kernel CPU over this many seconds.
CPU_CEILING_S = 3 * NOTEBOOK_BUDGET_S


def process_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by the live process ``pid``, or None if unknown.

    Counts all the process's threads and the children it has already waited for. Reads
    ``/proc/<pid>/stat`` where there is one (Linux), otherwise asks psutil (macOS; psutil comes
    with ipykernel). Returns None if the process is gone or cannot be read.
    """
    if Path("/proc/self/stat").exists():
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        # Field 2 (the command) is in parentheses and may hold spaces; fields 14-17 are
        # utime, stime, cutime, cstime in clock ticks.
        fields = text[text.rindex(")") + 2:].split()
        ticks = sum(int(v) for v in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")
    try:
        import psutil
    except ImportError:
        return None
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system + getattr(times, "children_user", 0.0) + getattr(times, "children_system", 0.0)


def _nbval_marked(cell: dict, marker: str) -> bool:
    """Whether nbval sees ``marker`` (e.g. NBVAL_SKIP) on a code cell, as a comment line or as a tag."""
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    comments = {line.strip().lstrip("#").strip() for line in source.splitlines() if line.strip().startswith("#")}
    tags = cell.get("metadata", {}).get("tags", [])
    return marker in comments or marker.lower().replace("_", "-") in tags


def runtime_problems(nb: dict, cells_run: int, kernel_cpu_s: float | None) -> list[str]:
    """What is wrong with one notebook's test run, as sentences; empty if nothing is.

    ``nb`` is the committed notebook (nbformat JSON), ``cells_run`` the number of its code cells
    that ran, ``kernel_cpu_s`` the kernel's CPU seconds (None if it could not be read). Wall time is
    never a problem; kernel CPU is one only above CPU_CEILING_S (3 × the budget).
    """
    problems = []
    if kernel_cpu_s is None:
        problems.append("could not read its kernel's CPU time (has nbval's RunningKernel.km.provisioner.pid "
                        "moved? see _kernel_pid in conftest.py)")
    elif kernel_cpu_s > CPU_CEILING_S:
        problems.append(f"its kernel used {kernel_cpu_s:.1f} s of CPU, over the {CPU_CEILING_S:.0f} s ceiling "
                        f"(3 × the {NOTEBOOK_BUDGET_S:.0f} s budget): shrink the model or data, batch the seeds, "
                        "or move the long run to a script; measure with `make bench-notebooks`")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if cells_run != len(code):
        problems.append(f"executed {cells_run} of its {len(code)} code cells")
    unrun = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    if unrun:
        problems.append(f"code cells {unrun} are committed without being executed")
    skipped = [i for i, c in enumerate(code) if _nbval_marked(c, "NBVAL_SKIP")]
    if skipped:
        problems.append(f"code cells {skipped} are skipped with NBVAL_SKIP")
    return problems


def exercises_with_setup(cells: list, notebook: str) -> list:
    """The setup cell (the first code cell) and everything from the "## Exercises" heading on.

    Exercises must not depend on the chapter's body: a student, or nbgrader's autograder, may run them on
    their own. Leaving the body out keeps the extra runs of a notebook in the student and nbgrader tests
    cheap (nbval already runs the body twice).
    """
    setup = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    starts = [i for i, c in enumerate(cells)
              if c.cell_type == "markdown" and "## Exercises" in c.source.splitlines()]
    assert len(starts) == 1, f"{notebook}: expected one '## Exercises' heading, found {len(starts)}"
    return [cells[setup]] + cells[starts[0]:]


def build_book(source: Path, timeout: int = 900) -> tuple[int, list[str], str]:
    """Run ``jupyter-book build SOURCE -W -n --keep-going``; return (exit code, warning lines, full log)."""
    proc = subprocess.run([str(JUPYTER_BOOK), "build", str(source), "--all", "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=timeout)
    log = _ANSI.sub("", proc.stdout + proc.stderr)
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    return proc.returncode, warnings, log


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_text(path: Path) -> str:
    """The visible text of an HTML file, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(path.read_text(encoding="utf-8"))
    return normalise(html.unescape("".join(parser.parts)))


def _prose_fragments(markdown: str) -> list[str]:
    text = re.sub(r"^\s*(`{3,}|:{3,}).*$", " ", markdown, flags=re.M)  # directive fences
    text = re.sub(r"^:\w+:.*$", " ", text, flags=re.M)  # directive options
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " | ", text, flags=re.S)  # math renders differently
    text = re.sub(r"\{[a-z-]+\}`[^`]*`", " | ", text)  # roles
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = text.replace("`", "").replace("*", "")
    fragments = re.split(r"[.;:!?|()]\s|\n\s*\n|\|", text)
    return [normalise(f) for f in fragments if len(normalise(f).split()) >= 5]


def _code_lines(code: str) -> list[str]:
    return [normalise(line) for line in code.splitlines()
            if len(line.strip()) >= 16 and not line.strip().startswith("#")]


def solution_probes(nb_path: Path) -> list[tuple[str, list[str]]]:
    """For each solution in a notebook: (its label, text fragments that appear only inside it).

    Fragments come from the solution's prose, from solution-only code cells and from the code
    between the BEGIN/END SOLUTION markers. Fragments that also occur outside solutions in the
    same notebook are dropped, so finding one in a page can only mean a leak.
    """
    nb = nbformat.read(nb_path, as_version=4)
    solutions: list[tuple[str, list[str]]] = []
    outside: list[str] = []
    label, current = None, None
    for cell in nb.cells:
        src = cell.source
        start = re.search(r"\{solution-start\}\s*(\S+)", src)
        if cell.cell_type == "markdown" and start:
            label, current = start.group(1), []
            continue
        if cell.cell_type == "markdown" and "{solution-end}" in src:
            current += _prose_fragments(src.split("{solution-end}")[0])
            solutions.append((label, current))
            label, current = None, None
            continue
        if cell.cell_type == "code" and BEGIN in src:
            inner = re.findall(re.escape(BEGIN) + r"(.*?)" + re.escape(END), src, re.S)
            lines = [line for block in inner for line in _code_lines(block)]
            outer = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), " ", src, flags=re.S)
            outside.append(normalise(outer))
            if current is not None:
                current += lines
            continue
        if current is not None:
            current += _prose_fragments(src) if cell.cell_type == "markdown" else _code_lines(src)
        else:
            outside.append(normalise(src))
    outside_text = " ".join(outside)
    return [(lab, [p for p in probes if p not in outside_text]) for lab, probes in solutions]
