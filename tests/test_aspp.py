"""cnnbook.nn.ASPP against torchvision's DeepLab v3 ASPP."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchvision.models.segmentation.deeplabv3 import ASPP as TorchvisionASPP

from cnnbook.nn import ASPP


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_parameter_count_deeplabv3_head():
    ours = ASPP(2048, rates=(12, 24, 36))
    assert n_params(ours) == 15_535_104
    assert n_params(ours) == n_params(TorchvisionASPP(2048, [12, 24, 36]))


@settings(max_examples=15, deadline=None)
@given(in_channels=st.integers(1, 12), out_channels=st.integers(1, 12),
       rates=st.lists(st.integers(1, 8), min_size=1, max_size=4),
       h=st.integers(1, 9), w=st.integers(1, 9), seed=st.integers(0, 1000))
def test_matches_torchvision(in_channels, out_channels, rates, h, w, seed):
    torch.manual_seed(seed)
    reference = TorchvisionASPP(in_channels, rates, out_channels).double().eval()
    ours = ASPP(in_channels, out_channels, rates=tuple(rates)).double().eval()
    assert n_params(ours) == n_params(reference)
    expected = 2 + len(rates)
    count = out_channels * in_channels * (1 + 9 * len(rates) + 1) + expected * out_channels**2 \
        + 2 * out_channels * (expected + 1)
    assert n_params(ours) == count
    # same state_dict layout: torchvision's weights (and BN statistics) load unchanged
    for module in reference.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
            module.weight.data.uniform_(0.5, 2)
            module.bias.data.uniform_(-1, 1)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(2, in_channels, h, w, dtype=torch.float64)
    y = ours(x)
    assert y.shape == (2, out_channels, h, w)
    torch.testing.assert_close(y, reference(x), rtol=1e-12, atol=1e-12)


def test_train_mode_output_shape_and_backward():
    model = ASPP(8, 16, rates=(1, 2, 4))
    x = torch.randn(3, 8, 7, 5)
    y = model(x)
    assert y.shape == (3, 16, 7, 5)
    y.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_batch_of_one_in_training_mode_has_a_clear_error():
    model = ASPP(4, 8, rates=(2,))
    with pytest.raises(ValueError, match="input"):
        model(torch.randn(1, 4, 6, 6))
    assert model.eval()(torch.randn(1, 4, 6, 6)).shape == (1, 8, 6, 6)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(in_channels=0), ValueError, "in_channels"),
    (dict(in_channels=2.0), TypeError, "in_channels"),
    (dict(in_channels=4, out_channels=-1), ValueError, "out_channels"),
    (dict(in_channels=4, rates=()), TypeError, "rates"),
    (dict(in_channels=4, rates=6), TypeError, "rates"),
    (dict(in_channels=4, rates=(6, 0)), ValueError, "rates"),
    (dict(in_channels=4, dropout=1.0), ValueError, "dropout"),
    (dict(in_channels=4, dropout=-0.1), ValueError, "dropout"),
])
def test_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        ASPP(**kwargs)


def test_wrong_input_channels():
    with pytest.raises(ValueError, match="input"):
        ASPP(4, 8).eval()(torch.randn(1, 3, 6, 6))


def test_conv_macs_counts_each_branch():
    from cnnbook.probes import conv_macs

    model = ASPP(8, 4, rates=(2, 3)).eval()
    h = w = 5
    per_pixel = 4 * 8 * (1 + 9 + 9) + 4 * 4 * 4     # 1x1, two 3x3 branches, projection
    assert conv_macs(model, torch.randn(2, 8, h, w)) == 2 * (per_pixel * h * w + 4 * 8)  # + pooling (1 pixel)
    conv = torch.nn.Conv2d(8, 4, 3, padding=6, dilation=6, bias=False)
    assert conv_macs(conv, torch.randn(1, 8, h, w)) == 4 * 8 * 9 * h * w   # dilation: same cost


def test_tiny_segmenter_shapes_and_errors():
    from cnnbook.models import TinySegmenter

    for head in ("plain", "aspp"):
        model = TinySegmenter(head, channels=4).eval()
        assert model(torch.randn(2, 1, 32, 24)).shape == (2, 1, 32, 24)
    with pytest.raises(ValueError, match="head"):
        TinySegmenter("unet")
    with pytest.raises(ValueError, match="channels"):
        TinySegmenter(channels=0)
