import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.plot.groups import group_connectivity, show_group_connectivity


@pytest.mark.parametrize("c_in, c_out, g", [(8, 8, 1), (8, 8, 2), (8, 16, 4), (6, 6, 6), (12, 4, 2)])
def test_connectivity_is_where_a_grouped_conv_output_depends_on_an_input_channel(c_in, c_out, g):
    weight = torch.ones(c_out, c_in // g, 1, 1, dtype=torch.float64)
    depends = np.zeros((c_out, c_in))
    for c in range(c_in):
        x = torch.zeros(1, c_in, 1, 1, dtype=torch.float64)
        x[0, c] = 1.0
        depends[:, c] = F.conv2d(x, weight, groups=g)[0, :, 0, 0].numpy()
    np.testing.assert_array_equal(group_connectivity(c_in, c_out, g), depends)


def test_connectivity_has_one_gth_of_the_dense_pairs():
    assert group_connectivity(64, 128, 4).sum() == 64 * 128 / 4


@pytest.mark.parametrize("args", [(8, 8, 3), (8, 6, 4), (0, 8, 1), (8, 8, 0)])
def test_bad_channel_counts_are_rejected(args):
    with pytest.raises(ValueError, match="groups|channels"):
        group_connectivity(*args)


def test_figure_has_labelled_axes_and_a_title():
    fig, ax = plt.subplots()
    matrix = show_group_connectivity(ax, 8, 8, 2)
    assert ax.get_xlabel() == "input channel c" and ax.get_ylabel() == "output channel o"
    assert ax.get_title() == "groups = 2: 32 of 64 pairs" and matrix.shape == (8, 8)
    plt.close(fig)
