"""Benchmark: cnnbook.functional.conv2d_backward against PyTorch's autograd backward (one thread, float32).

Usage: .venv/bin/python benchmarks/bench_backward.py [--repeats 5]

For the layer of issue 14 (N=8, 64->64 channels, 56x56, 3x3, padding 1) it prints
- the time of cnnbook's conv2d_backward (all three gradients) and of PyTorch's backward
  through ``F.conv2d`` (best of ``--repeats`` after a warm-up; the forward pass is not timed),
- their ratio cnnbook / torch (goal: <= 2.5),
- how much of cnnbook's time goes to the input gradient (``conv_transpose2d`` alone, timed
  separately); the rest is the weight gradient (im2col + one GEMM) and the bias sum.

Everything runs on one thread. The thread variables must be set before NumPy is imported, and
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines, where they slow OpenBLAS down) are
removed: if the environment is not already clean, the script re-executes itself with a cleaned one.
"""

from __future__ import annotations

import os
import sys

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_SLOW_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _clean_environment() -> None:
    """Re-exec this script with one thread and without the OpenBLAS overrides, unless already so."""
    dirty = any(os.environ.get(v) != "1" for v in _THREAD_VARS) or any(v in os.environ for v in _SLOW_VARS)
    if dirty:
        env = {k: v for k, v in os.environ.items() if k not in _SLOW_VARS}
        env.update({v: "1" for v in _THREAD_VARS})
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


_clean_environment()

import argparse  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from cnnbook.functional import conv2d_backward, conv_transpose2d  # noqa: E402
from cnnbook.train import best_time  # noqa: E402

LAYER = ("N=8, 64->64, 56x56, 3x3, pad 1", (8, 64, 56, 56), (64, 64, 3, 3), 1, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, torch {torch.__version__}, threads: torch {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    name, x_shape, w_shape, stride, padding = LAYER
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    xt = torch.from_numpy(x).requires_grad_()
    wt = torch.from_numpy(w).requires_grad_()
    bt = torch.zeros(w_shape[0], requires_grad=True)
    y = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    grad_output = rng.standard_normal(tuple(y.shape), dtype=np.float32)
    go_t = torch.from_numpy(grad_output)

    ours = conv2d_backward(grad_output, x, w, stride=stride, padding=padding)
    theirs = torch.autograd.grad(y, (xt, wt, bt), go_t, retain_graph=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-2, atol=1e-1)

    t_ours = best_time(lambda: conv2d_backward(grad_output, x, w, stride=stride, padding=padding), args.repeats)
    t_torch = best_time(lambda: torch.autograd.grad(y, (xt, wt, bt), go_t, retain_graph=True), args.repeats)
    t_input = best_time(lambda: conv_transpose2d(grad_output, w, stride=stride, padding=padding), args.repeats)
    header = f"{'layer':32s} {'cnnbook':>9s} {'torch':>9s} {'ratio':>6s} {'of which grad_input':>20s}"
    print(header)
    print("-" * len(header))
    print(f"{name:32s} {t_ours * 1e3:7.1f}ms {t_torch * 1e3:7.1f}ms {t_ours / t_torch:6.2f} "
          f"{t_input * 1e3:18.1f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
