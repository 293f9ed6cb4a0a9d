"""What every experiment script records next to its numbers, so a results file says how it was made."""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def experiment_parser(doc: str, default_out: Path) -> argparse.ArgumentParser:
    """The options every experiment script takes: --smoke, --jobs and --out (default ``default_out``)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run (seconds) that checks the script works")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", type=Path, default=default_out)
    return parser


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo, or platform.processor() where that file does not exist."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def versions() -> dict[str, str]:
    """Versions of Python and of the packages the experiments use."""
    import numpy
    import torch

    import cnnbook
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__,
            "cnnbook": getattr(cnnbook, "__version__", "unknown")}


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_results(path: Path, *, seeds: list[int], config: dict[str, Any], results: dict[str, Any],
                  wall_start: float, cpu_start: float) -> None:
    """Write ``results`` to ``path`` as JSON with the command, seeds, configuration, versions, CPU and duration."""
    record = {
        "command": "python " + " ".join([str(Path(sys.argv[0]).resolve().relative_to(ROOT))] + sys.argv[1:]),
        "seeds": seeds,
        "config": config,
        "versions": versions(),
        "cpu": cpu_name(),
        "wall_seconds": round(time.perf_counter() - wall_start, 1),
        "cpu_seconds": round(cpu_seconds() - cpu_start, 1),
        "results": results,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")


def loss_summary(histories: Any, per_seed_curve: bool = False) -> dict[str, Any]:
    """Training-loss summary of a (seeds, steps) history: each seed's mean loss over the last tenth
    and the tenth before it, and a curve of at most 50 points (chunk means; per seed or averaged)."""
    import numpy as np

    h = np.asarray(histories)
    steps = h.shape[1]
    window = max(1, steps // 10)
    chunks = np.array_split(np.arange(steps), min(steps, 50))
    curve = ([[float(np.round(h[s, c].mean(), 4)) for c in chunks] for s in range(len(h))] if per_seed_curve
             else [float(np.round(h[:, c].mean(), 4)) for c in chunks])
    return {"loss_last_tenth": h[:, -window:].mean(axis=1).round(4).tolist(),
            "loss_previous_tenth": h[:, -2 * window:-window].mean(axis=1).round(4).tolist() if steps >= 2 else None,
            "loss_curve": {"step": [int(c[-1]) + 1 for c in chunks], "loss": curve}}

