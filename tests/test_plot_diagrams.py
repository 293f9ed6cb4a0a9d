import importlib.util
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import ConnectionPatch, Rectangle  # noqa: E402
from torch import nn  # noqa: E402

from cnnbook.functional.receptive_field import receptive_field  # noqa: E402
from cnnbook.probes import gradient_receptive_field  # noqa: E402
from cnnbook.plot.diagrams import (  # noqa: E402
    show_conv_pipeline,
    show_im2col,
    show_kernel_volume,
    show_receptive_field_growth,
    show_unet,
)
from cnnbook.nn.blocks import UNet  # noqa: E402
from cnnbook.train import count_parameters  # noqa: E402
from tests._book import ROOT  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _drawn(fig: Figure, prefix: str) -> dict[tuple[int, ...], float]:
    """Values of the text artists whose gid is ``prefix`` followed by integer indices."""
    out = {}
    for ax in fig.axes:
        for t in ax.texts:
            gid = t.get_gid() or ""
            if gid.split(" ")[0] == prefix:
                out[tuple(int(v) for v in gid.split(" ")[1:])] = float(t.get_text())
    return out


# ---------------------------------------------------------------------------------------------- im2col

@pytest.mark.parametrize("h, w, k, s", [(4, 4, 3, 1), (4, 5, 3, 1), (5, 5, 3, 2), (3, 4, 2, 1), (6, 6, 2, 2)])
def test_im2col_figure_writes_the_unfold_matrix_column_by_window(h, w, k, s):
    rng = np.random.default_rng(h * 100 + w * 10 + k + s)
    image = rng.integers(0, 10, size=(h, w)).astype(float)
    fig, cols = show_im2col(image, k, stride=s)
    expected = F.unfold(torch.from_numpy(image)[None, None], k, stride=s)[0].numpy()
    np.testing.assert_array_equal(cols, expected)
    drawn = _drawn(fig, "im2col")
    assert len(drawn) == expected.size
    for (r, m), value in drawn.items():
        assert value == expected[r, m]


def test_im2col_figure_draws_one_outlined_window_per_column_and_titles_both_panels():
    image = np.arange(20.0).reshape(4, 5)
    fig, cols = show_im2col(image, 3)
    ax_windows, ax_matrix = fig.axes
    outlines = [p for p in ax_windows.patches if isinstance(p, Rectangle) and not p.get_fill()]
    assert len(outlines) == cols.shape[1] == 6
    assert all(p.get_width() == p.get_height() == 3 for p in outlines)
    assert len({p.get_edgecolor() for p in outlines}) == 6                  # one colour per window
    assert ax_windows.get_title().startswith("input x (4 x 5)") and ax_matrix.get_title().startswith("im2col(x): 9 x 6")


def test_im2col_figure_with_a_weight_draws_the_product_row():
    x = np.array([[1, 2, 3, 4, 5], [6, 7, 8, 2, 3], [2, 5, 9, 9, 5], [4, 8, 8, 2, 1]], dtype=float)
    w = np.array([[1, 1, 1], [2, 1, 2], [3, 2, 1]], dtype=float)
    fig, _ = show_im2col(x, 3, weight=w)
    y = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None])[0, 0].numpy().reshape(-1)
    assert [v for _, v in sorted(_drawn(fig, "y").items())] == list(y) == [66, 77, 86, 84, 96, 79]
    assert "w as a row (1 x 9)" in _texts(fig)


@pytest.mark.parametrize("kwargs, name", [
    (dict(image=np.ones(5)), "image"),
    (dict(image=np.ones((0, 3))), "image"),
    (dict(image=np.full((4, 4), np.nan)), "image"),
    (dict(image=np.ones((4, 4)), kernel_size=0), "kernel_size"),
    (dict(image=np.ones((4, 4)), kernel_size=5), "kernel_size"),
    (dict(image=np.ones((4, 4)), stride=0), "stride"),
    (dict(image=np.ones((8, 8)), kernel_size=3), "kernel_size"),     # 36 windows: too many to colour
    (dict(image=np.ones((4, 4)), weight=np.ones((2, 2))), "weight"),
])
def test_im2col_figure_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        show_im2col(**kwargs)


# ---------------------------------------------------------------------------------------------- 3-D kernel

@pytest.mark.parametrize("c_in, c_out, k", [(3, 4, 3), (1, 2, 3), (2, 5, 1), (2, 8, 5)])
def test_kernel_volume_shape_is_the_conv2d_weight_shape_and_is_written(c_in, c_out, k):
    fig, shape = show_kernel_volume(c_in, c_out, k, height=5, width=6, position=(0, 0))
    assert shape == tuple(nn.Conv2d(c_in, c_out, k).weight.shape)
    assert f"weight shape (C_out, C_in, k, k) = {shape}" in _texts(fig)


def test_kernel_volume_draws_every_cell_of_the_input_kernel_output_and_weight():
    c_in, c_out, k, h, w = 3, 4, 3, 5, 5
    fig, _ = show_kernel_volume(c_in, c_out, k, h, w, position=(1, 2), out_channel=3)
    ax, ax_w = fig.axes
    out_h, out_w = h - k + 1, w - k + 1
    # input cells + one window per input channel, kernel cells, output cells + the one output pixel
    assert len(ax.patches) == c_in * h * w + c_in + c_in * k * k + c_out * out_h * out_w + 1
    assert len(ax_w.patches) == c_out * c_in * k * k
    assert ax.get_title() and ax_w.get_title()
    labels = _texts(fig)
    assert [f"c = {c}" for c in range(c_in)] == [t for t in labels if t.startswith("c = ")]
    assert [f"w[{q}]" for q in range(c_out)] == [t for t in labels if re.fullmatch(r"w\[\d\]", t)]
    assert any("y[3, 1, 2] = b[3]" in t for t in labels)


@pytest.mark.parametrize("kwargs, name", [
    (dict(in_channels=0), "in_channels"),
    (dict(in_channels=7), "in_channels"),
    (dict(out_channels=9), "out_channels"),
    (dict(height=0), "height"),
    (dict(width=10), "width"),
    (dict(kernel_size=6), "kernel_size"),
    (dict(position=(3, 0)), "position"),
    (dict(position=(1,)), "position"),
    (dict(out_channel=4), "out_channel"),
])
def test_kernel_volume_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        show_kernel_volume(**kwargs)


# ---------------------------------------------------------------------------------------------- receptive field

def _torch_stack(layers):
    """Random convolutions with "same" padding, no nonlinearity (so no input pixel is hidden by a ReLU)."""
    torch.manual_seed(0)
    return nn.Sequential(*[nn.Conv2d(1, 1, k, stride=s, padding=d * (k - 1) // 2, dilation=d).double()
                           for k, s, d in layers])


STACKS = [
    [(3, 1, 1)] * 3,
    [(3, 1, 1), (3, 2, 1), (3, 1, 1)],
    [(3, 2, 1), (3, 2, 1)],
    [(3, 1, 1), (3, 1, 2)],
    [(5, 1, 1), (3, 1, 1)],
]


@pytest.mark.parametrize("layers", STACKS)
def test_receptive_field_figure_shades_the_pixels_with_a_gradient_for_each_depth(layers):
    size = 17                                              # centre 8: a multiple of every total stride
    fig, (sides,) = show_receptive_field_growth([layers], size=size)
    assert sides == [f.size for f in receptive_field(layers)]
    (ax,) = fig.axes
    for depth in range(len(layers)):
        drawn = {tuple(int(v) for v in p.get_gid().split()[2:]) for p in ax.patches
                 if (p.get_gid() or "").startswith(f"field {depth} ")}
        jump = int(np.prod([s for _, s, _ in layers[:depth + 1]]))
        centre = (size // 2) // jump
        grad = gradient_receptive_field(_torch_stack(layers[:depth + 1]), (1, size, size), (0, centre, centre))
        assert drawn == {tuple(int(v) for v in rc) for rc in np.argwhere(grad.numpy() > 0)}


def test_receptive_field_figure_stride_one_sides_are_3_5_7_and_stride_two_widens_the_third():
    fig, sides = show_receptive_field_growth([[(3, 1, 1)] * 3, [(3, 1, 1), (3, 2, 1), (3, 1, 1)]], size=13)
    assert sides == [[3, 5, 7], [3, 5, 9]]
    for ax, stack_sides in zip(fig.axes, sides):
        assert ax.get_xlabel() == "input column j" and ax.get_ylabel() == "input row i" and ax.get_title()
        assert [t.get_text() for t in ax.get_legend().get_texts()] == \
            [f"{d + 1} layer{'s' if d else ''}: {s} x {s}" for d, s in enumerate(stack_sides)]
        outlines = [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]
        assert sorted(p.get_width() for p in outlines) == stack_sides


@pytest.mark.parametrize("kwargs, name", [
    (dict(stacks=[]), "stacks"),
    (dict(stacks=[[]]), "stacks"),
    (dict(stacks=[[(3, 1, 1)]], size=12), "size"),
    (dict(stacks=[[(3, 1, 1)] * 4], size=7), "size"),
    (dict(stacks=[[(3, 2, 1), (3, 2, 1)]], size=11), "size"),   # centre 5 is not a multiple of 4
    (dict(stacks=[[(3, 0, 1)]]), "stride"),
    (dict(stacks=[[(3, 1, 1)]], titles=["a", "b"]), "titles"),
])
def test_receptive_field_figure_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        show_receptive_field_growth(**kwargs)


# ---------------------------------------------------------------------------------------------- pipeline

def test_conv_pipeline_computes_the_conv_and_pool_of_pytorch_and_joins_four_panels():
    rng = np.random.default_rng(0)
    image, kernel = rng.random((20, 24)), rng.standard_normal((3, 3))
    fig, maps = show_conv_pipeline(image, kernel, pool_size=4)
    t_feature = F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None])
    np.testing.assert_allclose(maps["feature_map"], t_feature[0, 0].numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(maps["pooled"], F.max_pool2d(t_feature, 4)[0, 0].numpy(), rtol=1e-12, atol=1e-12)
    assert maps["pooled"].shape == (4, 5)
    assert len(fig.axes) == 4 and all(ax.get_title() for ax in fig.axes)
    assert sum(isinstance(a, ConnectionPatch) for a in fig.artists) == 3


@pytest.mark.parametrize("kwargs, name", [
    (dict(image=np.ones((2, 8, 8)), kernel=np.ones((3, 3))), "image"),
    (dict(image=np.ones((8, 8)), kernel=np.ones((3, 2))), "kernel"),
    (dict(image=np.ones((8, 8)), kernel=np.ones((9, 9))), "kernel"),
    (dict(image=np.ones((8, 8)), kernel=np.ones((3, 3)), pool_size=0), "pool_size"),
    (dict(image=np.ones((8, 8)), kernel=np.ones((3, 3)), pool_size=7), "pool_size"),
])
def test_conv_pipeline_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        show_conv_pipeline(**kwargs)


# ---------------------------------------------------------------------------------------------- U-Net

def _drawn_shapes(fig: Figure) -> dict[str, tuple[int, int, int]]:
    """The labels with gid "shape <key>", read back as (C, H, W); a concatenation's "(a + b)" is summed."""
    out = {}
    for t in fig.axes[0].texts:
        gid = t.get_gid() or ""
        if gid.startswith("shape "):
            channels, h, w = t.get_text().split(" x ")
            out[gid[len("shape "):]] = (sum(int(c) for c in channels.strip("()").split(" + ")), int(h), int(w))
    return out


def _ceil_halvings(side: int, times: int) -> list[int]:
    sides = [side]
    for _ in range(times):
        sides.append(-(-sides[-1] // 2))
    return sides


@pytest.mark.parametrize("depth, base, c_in, c_out, size, mode, skips", [
    (2, 16, 3, 1, (37, 45), "bilinear", True),
    (1, 4, 1, 2, 8, "nearest", True),
    (3, 8, 1, 1, (64, 33), "transposed", True),
    (4, 2, 2, 3, 21, "bilinear", False),
    (3, 5, 1, 1, 1, "nearest", False),
])
def test_unet_figure_labels_every_block_with_the_size_halved_by_each_encoder(depth, base, c_in, c_out, size, mode,
                                                                               skips):
    fig, shapes = show_unet(depth, base, c_in, c_out, size, mode=mode, skips=skips)
    h, w = size if isinstance(size, tuple) else (size, size)
    hs, ws = _ceil_halvings(h, depth), _ceil_halvings(w, depth)
    widths = [base * 2 ** level for level in range(depth + 1)]
    expected = {"input": (c_in, h, w), "stem": (widths[0], h, w), "output": (c_out, h, w)}
    for level in range(1, depth + 1):
        expected[f"encoder {level}"] = (widths[level], hs[level], ws[level])
        expected[f"decoder {level}"] = (widths[level - 1], hs[level - 1], ws[level - 1])
        expected[f"concat {level}"] = ((2 if skips else 1) * widths[level - 1], hs[level - 1], ws[level - 1])
        expected[f"fuse {level}"] = (widths[level - 1], hs[level - 1], ws[level - 1])
    assert shapes == expected
    # each upsampled map is drawn as the right part of its concatenation, not labelled on its own
    assert _drawn_shapes(fig) == {k: v for k, v in expected.items() if not k.startswith("decoder")}


def test_unet_figure_shapes_are_those_of_the_network_forward_pass():
    torch.manual_seed(0)
    net = UNet(2, 1, (6, 12, 24))
    seen = {}

    def keep(name, tensor):                       # a hook that returns None leaves the forward pass alone
        seen[name] = tuple(tensor.shape[1:])

    net.encoders[1].register_forward_hook(lambda m, a, out: keep("encoder 2", out))
    net.fuse[0].register_forward_pre_hook(lambda m, a: keep("concat 1", a[0]))
    assert net(torch.zeros(1, 2, 29, 30)).shape == (1, 1, 29, 30)
    _, shapes = show_unet(depth=2, base_channels=6, in_channels=2, size=(29, 30))
    assert shapes["encoder 2"] == seen["encoder 2"] == (24, 8, 8)
    assert shapes["concat 1"] == seen["concat 1"] == (12, 29, 30)


@pytest.mark.parametrize("skips", [True, False])
def test_unet_figure_draws_one_skip_arrow_per_level_only_with_skips(skips):
    fig, _ = show_unet(depth=3, base_channels=4, size=16, skips=skips)
    arrows = sorted(t.get_gid() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("skip "))
    assert arrows == (["skip 1", "skip 2", "skip 3"] if skips else [])
    concat = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "shape concat 1"]
    assert concat == (["(4 + 4) x 16 x 16"] if skips else ["4 x 16 x 16"])


@pytest.mark.parametrize("mode, skips", [("bilinear", True), ("transposed", True), ("nearest", False)])
def test_unet_figure_title_gives_the_parameter_count_of_the_drawn_network(mode, skips):
    fig, _ = show_unet(depth=2, base_channels=8, in_channels=3, out_channels=2, size=20, mode=mode, skips=skips)
    n = count_parameters(UNet(3, 2, (8, 16, 32), mode=mode, skips=skips))
    assert f"{n:,} parameters" in fig.axes[0].get_title()


def test_unet_figure_boxes_get_shorter_with_each_level_down():
    fig, shapes = show_unet(depth=3, base_channels=4, size=64)
    boxes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(boxes) == len(shapes)              # a concatenation is two rectangles: skip and upsampled map
    heights = {round(p.get_y() + p.get_height() / 2, 6): round(p.get_height(), 6) for p in boxes}
    by_level = [heights[y] for y in sorted(heights, reverse=True)]    # top level first
    assert len(by_level) == 4 and by_level == sorted(by_level, reverse=True) and len(set(by_level)) == 4


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(depth=0), ValueError, "depth"),
    (dict(depth=5), ValueError, "depth"),
    (dict(depth=2.0), TypeError, "depth"),
    (dict(base_channels=0), ValueError, "base_channels"),
    (dict(size=0), ValueError, "size"),
    (dict(size=(8,)), ValueError, "size"),
    (dict(size=(8, 0)), ValueError, "size"),
    (dict(in_channels=0), ValueError, "in_channels"),
    (dict(out_channels=-1), ValueError, "out_channels"),
    (dict(mode="cubic"), ValueError, "mode"),
    (dict(skips="yes"), TypeError, "skips"),
])
def test_unet_figure_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        show_unet(**kwargs)


# ---------------------------------------------------------------------------------------------- landing page

def _landing_module():
    spec = importlib.util.spec_from_file_location("make_landing_figure", ROOT / "tools" / "make_landing_figure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_landing_figure_script_reproduces_the_committed_png_shape(tmp_path):
    committed = mpimg.imread(ROOT / "book" / "images" / "landing.png")
    fresh = mpimg.imread(_landing_module().make_landing_figure(tmp_path / "landing.png"))
    assert fresh.shape == committed.shape
    assert fresh.shape[1] > 2 * fresh.shape[0] and fresh.std() > 0.05   # a wide strip, not a blank image


def test_landing_figure_is_on_the_landing_page_with_alt_text():
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    block = re.search(r"```\{figure\} images/landing\.png\n(.*?)```", intro, flags=re.S)
    assert block is not None
    alt = re.search(r"^:alt: (.+)$", block.group(1), flags=re.M)
    assert alt is not None and len(alt.group(1).split()) >= 8
