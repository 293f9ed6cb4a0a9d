"""Draw the landing page's figure, book/images/landing.png: image → kernel → feature map → pooled map.

Usage:
    python tools/make_landing_figure.py                  # (re)write book/images/landing.png
    python tools/make_landing_figure.py --output x.png   # write elsewhere

Deterministic: the photograph ships with scikit-image, the kernel is the package's Sobel kernel, and
the PNG carries no timestamp or version metadata. Runs in a few seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import cnnbook.plot as cplot  # noqa: E402
from cnnbook.data.images import load_photo  # noqa: E402
from cnnbook.kernels import sobel_kernels  # noqa: E402
from cnnbook.plot.diagrams import show_conv_pipeline  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "book" / "images" / "landing.png"
DPI = 100


def make_landing_figure(output: Path = OUTPUT) -> Path:
    """Write the strip for the camera photograph and the horizontal Sobel kernel g_x to ``output``."""
    cplot.use_book_style()
    image = load_photo("camera", size=128)
    sobel_x, _ = sobel_kernels()
    fig, _ = show_conv_pipeline(image, sobel_x, pool_size=4, kernel_name="Sobel kernel")
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"PNG to write (default {OUTPUT})")
    args = parser.parse_args(argv)
    print(make_landing_figure(args.output))


if __name__ == "__main__":
    main()
