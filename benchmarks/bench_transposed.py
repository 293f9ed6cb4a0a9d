"""Benchmark: cnnbook's NumPy transposed convolution against PyTorch on one CPU thread.

Usage: .venv/bin/python benchmarks/bench_transposed.py [--repeat 5]

Typical decoder layers in float32: it prints the median time of ``cnnbook.functional.conv_transpose2d``
(vectorised: one matrix product, then one strided add per kernel tap), of the naive scatter
version on the smallest layer, and of ``torch.nn.functional.conv_transpose2d``, with the
ratios cnnbook / PyTorch.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from cnnbook.functional.transposed import conv_transpose2d, conv_transpose2d_scatter  # noqa: E402
from cnnbook.train import median_time  # noqa: E402

torch.set_num_threads(1)

#: (label, N, C_in, C_out, size, kernel, stride, padding, output_padding)
LAYERS = [
    ("N=8, 64->32, 28x28 -> 56x56, k4 s2 p1", 8, 64, 32, 28, 4, 2, 1, 0),
    ("N=8, 64->32, 28x28 -> 56x56, k3 s2 p1 op1", 8, 64, 32, 28, 3, 2, 1, 1),
    ("N=8, 128->64, 14x14 -> 28x28, k4 s2 p1", 8, 128, 64, 14, 4, 2, 1, 0),
]



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"float32, 1 thread, median of {args.repeat} runs")
    print(f"{'layer':44s} {'cnnbook ms':>10s} {'torch ms':>9s} {'ratio':>6s}")
    for label, n, c_in, c_out, size, k, s, p, op in LAYERS:
        x = rng.standard_normal((n, c_in, size, size)).astype(np.float32)
        w = rng.standard_normal((c_in, c_out, k, k)).astype(np.float32) * 0.05
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        ours = conv_transpose2d(x, w, stride=s, padding=p, output_padding=op)
        theirs = F.conv_transpose2d(xt, wt, stride=s, padding=p, output_padding=op).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
        t_ours = median_time(lambda: conv_transpose2d(x, w, stride=s, padding=p, output_padding=op), args.repeat)
        t_torch = median_time(lambda: F.conv_transpose2d(xt, wt, stride=s, padding=p, output_padding=op),
                              args.repeat)
        print(f"{label:44s} {t_ours * 1e3:10.1f} {t_torch * 1e3:9.1f} {t_ours / t_torch:6.2f}")
    # the naive scatter loop, on one small image, for scale
    x = rng.standard_normal((1, 16, 14, 14)).astype(np.float32)
    w = rng.standard_normal((16, 8, 4, 4)).astype(np.float32)
    t_naive = median_time(lambda: conv_transpose2d_scatter(x, w, stride=2, padding=1), 1)
    t_fast = median_time(lambda: conv_transpose2d(x, w, stride=2, padding=1), args.repeat)
    print(f"naive scatter vs vectorised on 1x16x14x14, k4 s2 p1: {t_naive * 1e3:.1f} ms vs {t_fast * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
