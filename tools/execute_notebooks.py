"""Execute notebooks in place, as the book stores them, and report how long each took.

Usage: python tools/execute_notebooks.py book/padding/padding.ipynb [more.ipynb ...]

Each notebook runs in a fresh kernel from its own folder, with PYTHONHASHSEED=0 (as in the
tests), and is saved with its outputs. The report gives wall time and the kernel's CPU
time; CPU time is the better guide when the machine is busy with other work.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run_notebook(path: Path) -> tuple[nbformat.NotebookNode, float, float]:
    """Execute the notebook at ``path`` in a fresh kernel, without saving it.

    Returns (the executed notebook, wall seconds, kernel CPU seconds). Kernel CPU is the user
    plus system time of the kernel process, kernel start included, read from RUSAGE_CHILDREN
    once the kernel has exited. Raises nbclient's CellExecutionError if a cell fails.
    """
    nb = nbformat.read(path, as_version=4)
    os.environ["PYTHONHASHSEED"] = "0"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=600, kernel_name="python3", coalesce_streams=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return nb, wall, cpu


def execute(path: Path) -> tuple[float, float]:
    """Execute the notebook at ``path`` and save it with its outputs; return (wall s, kernel CPU s)."""
    nb, wall, cpu = run_notebook(path)
    nbformat.write(nb, path)
    return wall, cpu


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        wall, cpu = execute(Path(name))
        print(f"{name}: wall {wall:.1f} s, kernel CPU {cpu:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
