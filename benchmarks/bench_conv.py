"""Benchmark: cnnbook.functional.conv2d against torch.nn.functional.conv2d (one thread, float32).

Usage: .venv/bin/python benchmarks/bench_conv.py [--repeats 5]

For each layer of issue 3 it prints
- the time of cnnbook's conv2d and of PyTorch's (best of ``--repeats`` after a warm-up),
- their ratio cnnbook / torch (goal: <= 2.0 on the first two layers),
- cnnbook's achieved GFLOP/s, and the same as a fraction of numpy.matmul's GFLOP/s on the
  im2col product of the same convolution (same shapes, contiguous operands): the ceiling of a
  one-GEMM implementation. At stride 1 with 16+ input channels conv2d no longer forms that
  product (it sums kH·kW smaller GEMMs on shifted rows), so there the fraction can exceed 1.

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

from cnnbook.functional import conv2d  # noqa: E402
from cnnbook.functional.conv import conv_flops  # noqa: E402
from cnnbook.train import best_time  # noqa: E402

LAYERS = [
    # name, input shape, weight shape, stride, padding, groups
    ("N=8, 64->64, 56x56, 3x3, pad 1", (8, 64, 56, 56), (64, 64, 3, 3), 1, 1, 1),
    ("N=8, 3->64, 224x224, 7x7, s2, pad 3", (8, 3, 224, 224), (64, 3, 7, 7), 2, 3, 1),
    ("N=8, depthwise 3x3, 128 ch, 56x56, pad 1", (8, 128, 56, 56), (128, 1, 3, 3), 1, 1, 128),
]



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, torch {torch.__version__}, threads: torch {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    header = f"{'layer':42s} {'cnnbook':>9s} {'torch':>9s} {'ratio':>6s} {'GFLOP/s':>8s} {'of matmul':>9s}"
    print(header)
    print("-" * len(header))
    for name, x_shape, w_shape, stride, padding, groups in LAYERS:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        b = rng.standard_normal(w_shape[0], dtype=np.float32)
        xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        ours = conv2d(x, w, b, stride=stride, padding=padding, groups=groups)
        with torch.no_grad():
            ref = F.conv2d(xt, wt, bt, stride=stride, padding=padding, groups=groups).numpy()
        np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-3)
        t_ours = best_time(lambda: conv2d(x, w, b, stride=stride, padding=padding, groups=groups), args.repeats)
        with torch.no_grad():
            t_torch = best_time(lambda: F.conv2d(xt, wt, bt, stride=stride, padding=padding, groups=groups),
                                args.repeats)
        # The im2col product of this convolution: (g, C_out/g, K) @ (N, g, K, H_out*W_out), K = C_in/g * kH * kW.
        n, c_in = x_shape[:2]
        c_out, c_g, kh, kw = w_shape
        out_h, out_w = ours.shape[2:]
        a = rng.standard_normal((groups, c_out // groups, c_g * kh * kw), dtype=np.float32)
        cols = rng.standard_normal((n, groups, c_g * kh * kw, out_h * out_w), dtype=np.float32)
        t_matmul = best_time(lambda: np.matmul(a, cols), args.repeats)
        flops = conv_flops(x_shape, w_shape, stride=stride, padding=padding, groups=groups)
        gflops = flops / t_ours / 1e9
        matmul_gflops = flops / t_matmul / 1e9
        print(f"{name:42s} {t_ours * 1e3:7.1f}ms {t_torch * 1e3:7.1f}ms {t_ours / t_torch:6.2f} "
              f"{gflops:8.1f} {gflops / matmul_gflops:9.2f}   (numpy.matmul alone: {matmul_gflops:.1f} GFLOP/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
