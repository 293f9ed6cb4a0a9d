"""cnnbook.plot.gated.show_gated_conv: the two-branch diagram of a gated convolution."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnbook.nn.gated import GatedConv2d  # noqa: E402
from cnnbook.plot.gated import show_gated_conv  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_returns_a_figure_and_its_axes():
    fig, ax = show_gated_conv()
    assert isinstance(fig, Figure) and isinstance(ax, Axes) and ax.figure is fig


def test_both_branches_their_nonlinearities_and_the_product_are_labelled():
    _, ax = show_gated_conv(activation="tanh")
    text = "\n".join(_texts(ax))
    for label in ("input x", "feature conv", "gate conv", "φ = tanh", "σ (sigmoid)", "⊙", "output O"):
        assert label in text, label
    assert ax.get_title().startswith("Gated convolution")


def test_shapes_on_the_diagram_follow_the_padding():
    _, ax = show_gated_conv(in_channels=5, out_channels=24, kernel_size=5, size=32, padding=0)
    text = "\n".join(_texts(ax))
    assert "(N, 5, 32, 32)" in text and "(N, 24, 28, 28)" in text and "(N, 24, 32, 32)" not in text
    _, ax = show_gated_conv(in_channels=5, out_channels=24, kernel_size=5, size=32)
    assert "(N, 24, 32, 32)" in "\n".join(_texts(ax))


@pytest.mark.parametrize("c_in, c_out, k", [(2, 5, 3), (5, 24, 5), (1, 1, 1)])
def test_parameter_counts_shown_are_those_of_gated_conv2d(c_in, c_out, k):
    _, ax = show_gated_conv(in_channels=c_in, out_channels=c_out, kernel_size=k)
    total = sum(p.numel() for p in GatedConv2d(c_in, c_out, k).parameters())
    text = "\n".join(_texts(ax))
    assert f"{total // 2:,} parameters" in text and f"{total:,} parameters" in text


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(in_channels=0), ValueError, "in_channels"),
    (dict(out_channels=2.5), TypeError, "out_channels"),
    (dict(kernel_size=True), TypeError, "kernel_size"),
    (dict(padding=-1), ValueError, "padding"),
    (dict(size=2, kernel_size=5, padding=0), ValueError, "size"),
    (dict(activation=""), TypeError, "activation"),
])
def test_bad_argument_raises_an_error_naming_it(kwargs, error, name):
    with pytest.raises(error, match=name):
        show_gated_conv(**kwargs)
