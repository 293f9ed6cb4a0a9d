"""Benchmark: cnnbook's NumPy pooling against PyTorch on one CPU thread.

Usage: .venv/bin/python benchmarks/bench_pool.py [--repeat 7]

Input: N=8, C=64, 112x112, float32 (a ResNet stem's feature map). For max and average
pooling with (k=2, s=2) and (k=3, s=2) it prints the median time of each implementation and
the ratio cnnbook / PyTorch (goal: <= 3.0). ``max_pool2d`` with ``return_indices=True`` is
reported too, for information.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import cnnbook.functional as cf  # noqa: E402
from cnnbook.train import median_time  # noqa: E402

torch.set_num_threads(1)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 112, 112)).astype(np.float32)
    xt = torch.from_numpy(x)
    cases = [
        ("max_pool2d", "k=2, s=2", lambda: cf.max_pool2d(x, 2, 2), lambda: F.max_pool2d(xt, 2, 2)),
        ("max_pool2d", "k=3, s=2", lambda: cf.max_pool2d(x, 3, 2), lambda: F.max_pool2d(xt, 3, 2)),
        ("avg_pool2d", "k=2, s=2", lambda: cf.avg_pool2d(x, 2, 2), lambda: F.avg_pool2d(xt, 2, 2)),
        ("avg_pool2d", "k=3, s=2", lambda: cf.avg_pool2d(x, 3, 2), lambda: F.avg_pool2d(xt, 3, 2)),
        ("max_pool2d+indices", "k=2, s=2", lambda: cf.max_pool2d(x, 2, 2, return_indices=True),
         lambda: F.max_pool2d(xt, 2, 2, return_indices=True)),
        ("max_pool2d+indices", "k=3, s=2", lambda: cf.max_pool2d(x, 3, 2, return_indices=True),
         lambda: F.max_pool2d(xt, 3, 2, return_indices=True)),
    ]
    # correctness first: the benchmark is meaningless if the results differ
    for name, _, ours, theirs in cases:
        a, b = ours(), theirs()
        if isinstance(a, tuple):
            np.testing.assert_array_equal(a[1], b[1].numpy(), err_msg=name)
            a, b = a[0], b[0]
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    print(f"input (8, 64, 112, 112) float32, 1 thread, median of {args.repeat} runs")
    print(f"{'op':<20} {'window':<10} {'cnnbook ms':>11} {'torch ms':>9} {'ratio':>6}")
    for name, window, ours, theirs in cases:
        t_ours = median_time(ours, args.repeat)
        t_torch = median_time(theirs, args.repeat)
        print(f"{name:<20} {window:<10} {1e3 * t_ours:11.1f} {1e3 * t_torch:9.1f} {t_ours / t_torch:6.2f}")


if __name__ == "__main__":
    main()
