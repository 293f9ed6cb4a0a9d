"""Measure what each notebook costs against the book's 60 s budget, without saving anything.

Usage: python tools/bench_notebooks.py [book/X/Y.ipynb | folder ...]   (default: every notebook in book/)
       make bench-notebooks [NOTEBOOKS="book/X/Y.ipynb ..."]

Each notebook runs in a fresh kernel from its own folder, with PYTHONHASHSEED=0, exactly as
tools/execute_notebooks.py runs it, but the executed notebook is thrown away. The table gives the
wall seconds and the kernel's CPU seconds (user + system, kernel start included). A notebook is
within budget when its kernel CPU is at most 60 s: CPU time is what a notebook would take on 2 idle
cores with one thread, and unlike wall time it barely moves when the machine is busy.

This command never fails on time: it exits 0 unless a notebook raises an error (exit 1).
Prefix it with ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 to measure the perturbed run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
sys.path.insert(0, str(ROOT))

from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError  # noqa: E402

from tests._book import NOTEBOOK_BUDGET_S, book_notebooks  # noqa: E402
from tools.execute_notebooks import run_notebook  # noqa: E402


def notebooks_from(args: list[str]) -> list[Path]:
    """The notebooks named by ``args`` (files, or folders searched for *.ipynb); all of book/ if empty."""
    if not args:
        return book_notebooks()
    found: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise ValueError(f"notebook {arg!r} is neither an .ipynb file nor a folder")
    return found


def _name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    try:
        paths = notebooks_from(argv)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    width = max([len("notebook")] + [len(_name(p)) for p in paths])
    header = (f"{'notebook'.ljust(width)}  {'wall s':>7}  {'kernel CPU s':>12}  {'budget s':>8}  within budget")
    print(header)
    print("-" * len(header), flush=True)
    errors = []
    for path in paths:
        try:
            _, wall, cpu = run_notebook(path)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            errors.append(_name(path))
            message = _ANSI.sub("", str(err)).strip()
            first = message.splitlines()[-1] if message else type(err).__name__
            print(f"{_name(path).ljust(width)}  {'-':>7}  {'-':>12}  {NOTEBOOK_BUDGET_S:8.0f}  ERROR: {first}",
                  flush=True)
            continue
        within = "yes" if cpu <= NOTEBOOK_BUDGET_S else "no"
        print(f"{_name(path).ljust(width)}  {wall:7.1f}  {cpu:12.1f}  {NOTEBOOK_BUDGET_S:8.0f}  {within}", flush=True)
    print(f"within budget: kernel CPU at most {NOTEBOOK_BUDGET_S:.0f} s (wall time is shown for reference; "
          "it grows when the machine is busy).")
    if errors:
        print(f"{len(errors)} notebook(s) raised an error: {', '.join(errors)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
