"""The first chapter's kernels, the figure helpers and the first chapter's checkers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import cnnbook.plot as cplot  # noqa: E402
from cnnbook import kernels  # noqa: E402
from cnnbook.exercises import first_look  # noqa: E402


def test_filter2d_matches_conv2d_and_the_mean_definition():
    rng = np.random.default_rng(0)
    image = rng.random((9, 11)).astype(np.float32)
    out = kernels.filter2d(image, kernels.box_kernel(3), padding=0)
    assert out.shape == (7, 9)
    assert np.isclose(out[2, 4], image[2:5, 4:7].mean(), atol=1e-6)
    ref = F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernels.box_kernel(3))[None, None])
    np.testing.assert_allclose(out, ref[0, 0].numpy())


def test_kernel_weight_sums():
    gx, gy = kernels.sobel_kernels()
    assert gx.sum() == 0 and gy.sum() == 0 and np.array_equal(gx.T, gy)
    assert np.isclose(kernels.box_kernel(5).sum(), 1.0)
    assert np.isclose(kernels.gaussian_kernel(7, 1.5).sum(), 1.0)
    assert kernels.sharpen_kernel().sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(kernels.sharpen_kernel(), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])


@pytest.mark.parametrize("size", [0, 2, -3, 4.0])
def test_even_or_non_positive_kernel_sizes_are_rejected(size):
    with pytest.raises(ValueError, match="size must be a positive odd int"):
        kernels.box_kernel(size)


def test_filter2d_rejects_non_2d_input():
    with pytest.raises(ValueError, match="image must be 2-D"):
        kernels.filter2d(np.zeros((1, 4, 4)), kernels.box_kernel(3))


def test_animation_html_is_offline_and_reproducible():
    cplot.use_book_style()
    fig, ax = plt.subplots()
    artist = ax.imshow(np.zeros((3, 3)))
    html = cplot.animate(fig, lambda k: artist.set_data(np.full((3, 3), k)), frames=3).data
    assert "http://" not in html and "https://" not in html
    assert "font-awesome" not in html
    assert "cnnbook" in html and "data:image/png;base64" in html


def test_panels_reject_mismatched_titles():
    with pytest.raises(ValueError, match="titles"):
        cplot.show_panels([np.zeros((2, 2))], ["a", "b"])
    plt.close("all")


def test_signed_panels_are_centred_at_zero():
    fig, ax = plt.subplots()
    artist = cplot.show_signed(ax, np.array([[-1.0, 3.0]]), "t")
    assert artist.get_clim() == (-3.0, 3.0)
    assert ax.get_xlabel() == "column j" and ax.get_title() == "t"
    plt.close(fig)


def test_first_look_checkers_accept_right_and_reject_wrong_answers(capsys):
    def shift():
        kernel = np.zeros((3, 3))
        kernel[1, 0] = 1
        return kernel

    assert first_look.check_shift_kernel(shift)
    assert first_look.check_shift_kernel(lambda: np.eye(3)).status == "wrong_value"
    assert first_look.check_blur_value(first_look.PATCH[0:3, 1:4].mean())
    assert first_look.check_blur_value(0.0).status == "wrong_value"

    def magnitude(image):
        gx, gy = kernels.sobel_kernels()
        return np.hypot(kernels.filter2d(image, gx, 1), kernels.filter2d(image, gy, 1))

    assert first_look.check_sobel_magnitude(magnitude)

    def stub(*args):
        raise NotImplementedError

    for checker in (first_look.check_shift_kernel, first_look.check_sobel_magnitude, first_look.check_blur_value):
        assert checker(stub).status == "not_implemented"
