"""Convolutional blocks and U-Net: output shapes over odd and even sizes, parameter counts against
hand-computed formulas, odd-size U-Net, logits vs predict; the probes used by "Why convolutions";
bad input."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnbook.nn import ConvBlock, DecoderBlock, EncoderBlock, UNet, VGGBlock
from cnnbook.nn.blocks import calibrate_batch_norm, match_size
from cnnbook.probes import conv_matrix, gradient_receptive_field, receptive_field_extent, shift_response

torch.set_num_threads(1)

channels = st.integers(min_value=1, max_value=5)
sizes = st.integers(min_value=2, max_value=23)


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# ---------------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@settings(deadline=None, max_examples=40)
@given(c_in=channels, c_out=channels, h=sizes, w=sizes, k=st.integers(1, 5), s=st.integers(1, 3),
       pool=st.sampled_from(["max", "avg", None]), norm=st.sampled_from(["batch", None]))
def test_conv_block_shape_follows_output_size_formula(c_in, c_out, h, w, k, s, pool, norm):
    block = ConvBlock(c_in, c_out, kernel_size=k, stride=s, norm=norm, pool=pool)
    p = (k - 1) // 2
    conv_h = h if s == 1 else (h + 2 * p - k) // s + 1
    conv_w = w if s == 1 else (w + 2 * p - k) // s + 1
    if s > 1 and k % 2 == 1:
        assert (conv_h, conv_w) == (math.ceil(h / s), math.ceil(w / s))
    if min(conv_h, conv_w) < (2 if pool else 1):
        return
    want = (conv_h // 2, conv_w // 2) if pool else (conv_h, conv_w)
    y = block.eval()(torch.randn(2, c_in, h, w))
    assert y.shape == (2, c_out, *want)


@settings(deadline=None, max_examples=30)
@given(c_in=channels, c_out=channels, h=sizes, w=sizes, p=st.integers(0, 3))
def test_conv_block_explicit_padding_matches_conv2d_size(c_in, c_out, h, w, p):
    if min(h, w) + 2 * p < 3:
        return
    block = ConvBlock(c_in, c_out, kernel_size=3, padding=p, norm=None, activation=None)
    y = block(torch.randn(1, c_in, h, w))
    assert y.shape == (1, c_out, h + 2 * p - 2, w + 2 * p - 2)


@settings(deadline=None, max_examples=30)
@given(c_in=channels, c_out=channels, h=sizes, w=sizes, pool=st.sampled_from(["max", "avg", None]))
def test_vgg_block_halves_with_floor(c_in, c_out, h, w, pool):
    y = VGGBlock(c_in, c_out, pool=pool)(torch.randn(1, c_in, h, w))
    assert y.shape == ((1, c_out, h // 2, w // 2) if pool else (1, c_out, h, w))


@settings(deadline=None, max_examples=30)
@given(c_in=channels, c_out=channels, h=st.integers(1, 40), w=st.integers(1, 40))
def test_encoder_block_maps_h_to_ceil_half(c_in, c_out, h, w):
    y = EncoderBlock(c_in, c_out).eval()(torch.randn(1, c_in, h, w))
    assert y.shape == (1, c_out, math.ceil(h / 2), math.ceil(w / 2))


@settings(deadline=None, max_examples=30)
@given(c_in=channels, c_out=channels, h=st.integers(1, 12), w=st.integers(1, 12),
       mode=st.sampled_from(["bilinear", "nearest", "transposed"]))
def test_decoder_block_doubles_and_crops_to_size(c_in, c_out, h, w, mode):
    block = DecoderBlock(c_in, c_out, mode=mode).eval()
    x = torch.randn(1, c_in, h, w)
    assert block(x).shape == (1, c_out, 2 * h, 2 * w)
    assert block(x, size=(2 * h - 1, 2 * w - 1)).shape == (1, c_out, 2 * h - 1, 2 * w - 1)
    torch.testing.assert_close(block(x, size=(2 * h - 1, 2 * w)), block(x)[..., :-1, :])


@settings(deadline=None, max_examples=15)
@given(h=st.integers(1, 41), w=st.integers(1, 41), c_in=st.integers(1, 3), c_out=st.integers(1, 3),
       depth=st.integers(1, 4), mode=st.sampled_from(["bilinear", "nearest", "transposed"]),
       skips=st.booleans())
def test_unet_output_has_input_size(h, w, c_in, c_out, depth, mode, skips):
    net = UNet(c_in, c_out, widths=tuple(4 * 2**d for d in range(depth)), mode=mode, skips=skips).eval()
    assert net(torch.randn(2, c_in, h, w)).shape == (2, c_out, h, w)


@pytest.mark.parametrize("mode", ["bilinear", "transposed"])
def test_unet_odd_size_37_by_45(mode):
    net = UNet(3, 2, mode=mode)
    assert net(torch.randn(1, 3, 37, 45)).shape == (1, 2, 37, 45)


def test_unet_returns_logits_and_predict_applies_sigmoid():
    torch.manual_seed(0)
    net = UNet(1, 1, widths=(4, 8))
    x = torch.randn(3, 1, 10, 9)
    net.train()
    probs = net.predict(x)
    assert net.training, "predict must restore the training mode"
    net.eval()
    logits = net(x)
    torch.testing.assert_close(probs, torch.sigmoid(logits))
    mask = net.predict(x, threshold=0.5)
    assert mask.dtype == torch.bool
    torch.testing.assert_close(mask, logits > 0)


@pytest.mark.parametrize("skips", [True, False])
def test_unet_without_skips_sees_the_input_only_through_its_deepest_map(skips):
    torch.manual_seed(0)
    net = UNet(1, 1, widths=(4, 8, 16), skips=skips).eval()
    deepest = torch.randn(2, 16, 3, 4)
    net.encoders[-1].register_forward_hook(lambda module, args, out: deepest)  # replace the deepest map
    a, b = net(torch.randn(2, 1, 11, 13)), net(torch.randn(2, 1, 11, 13))
    if skips:
        assert not torch.allclose(a, b, atol=1e-3)  # the skips carry the input around the bottleneck
    else:
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_unet_without_skips_fuses_only_the_decoder_output():
    net = UNet(2, 1, widths=(4, 8, 16), skips=False)
    assert [f.conv.in_channels for f in net.fuse] == [4, 8]
    assert [f.conv.in_channels for f in UNet(2, 1, widths=(4, 8, 16)).fuse] == [8, 16]


def test_unet_trains_with_bce_with_logits():
    torch.manual_seed(0)
    net = UNet(1, 1, widths=(4, 8))
    x = torch.rand(4, 1, 12, 12)
    target = (x > 0.5).float()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    loss_fn = nn.BCEWithLogitsLoss()
    first = loss_fn(net(x), target).item()
    for _ in range(60):
        loss = loss_fn(net(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first


# ---------------------------------------------------------------------------------------------
# parameter counts
# ---------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=30)
@given(c_in=st.integers(1, 64), c_out=st.integers(1, 64), k=st.integers(1, 7),
       norm=st.sampled_from(["batch", None]), pool=st.sampled_from(["max", "avg", None]))
def test_conv_block_parameter_count(c_in, c_out, k, norm, pool):
    block = ConvBlock(c_in, c_out, kernel_size=k, norm=norm, pool=pool)
    assert n_params(block) == k * k * c_in * c_out + (2 * c_out if norm else c_out)


@settings(deadline=None, max_examples=20)
@given(c_in=st.integers(1, 64), c_out=st.integers(1, 64))
def test_vgg_encoder_decoder_parameter_counts(c_in, c_out):
    assert n_params(VGGBlock(c_in, c_out)) == 9 * c_in * c_out + 9 * c_out**2 + 2 * c_out
    assert n_params(EncoderBlock(c_in, c_out)) == 9 * c_in * c_out + 2 * c_out
    assert n_params(DecoderBlock(c_in, c_out)) == 9 * c_in * c_out + 2 * c_out
    assert n_params(DecoderBlock(c_in, c_out, mode="transposed")) == 16 * c_in * c_out + 2 * c_out


def unet_formula(c_in, c_out, widths, mode, skips=True):
    up = 16 if mode == "transposed" else 9
    total = 9 * c_in * widths[0] + 2 * widths[0]  # stem
    for a, b in zip(widths[:-1], widths[1:]):
        total += 9 * a * b + 2 * b  # encoder
        total += up * b * a + 2 * a  # decoder
        total += 9 * (2 * a if skips else a) * a + 2 * a  # fuse, after the concatenation if any
    return total + widths[0] * c_out + c_out  # 1x1 head


@settings(deadline=None, max_examples=20)
@given(c_in=st.integers(1, 4), c_out=st.integers(1, 4),
       widths=st.lists(st.integers(1, 32), min_size=1, max_size=4),
       mode=st.sampled_from(["bilinear", "transposed"]), skips=st.booleans())
def test_unet_parameter_count(c_in, c_out, widths, mode, skips):
    assert (n_params(UNet(c_in, c_out, widths=tuple(widths), mode=mode, skips=skips))
            == unet_formula(c_in, c_out, widths, mode, skips))


def test_default_unet_parameter_count():
    assert n_params(UNet(1, 1)) == 69_697 == unet_formula(1, 1, (16, 32, 64), "bilinear")


# ---------------------------------------------------------------------------------------------
# batch-norm calibration
# ---------------------------------------------------------------------------------------------

def test_calibrate_batch_norm_stores_the_batch_statistics_and_restores_mode_and_momentum():
    torch.manual_seed(0)
    block = ConvBlock(3, 5).eval()
    x = 2.0 + 3.0 * torch.randn(6, 3, 9, 11)
    assert calibrate_batch_norm(block, x) is block
    assert not block.training and block.norm.momentum == 0.1
    pre = block.conv(x)
    torch.testing.assert_close(block.norm.running_mean, pre.mean(dim=(0, 2, 3)))
    torch.testing.assert_close(block.norm.running_var, pre.var(dim=(0, 2, 3), unbiased=True))


def test_calibrated_eval_mode_standardises_like_training_mode():
    torch.manual_seed(1)
    net = UNet(1, 1, widths=(4, 8))
    fresh = copy.deepcopy(net).eval()
    x = torch.randn(8, 1, 12, 12)
    with torch.no_grad():
        train_mode = net.train()(x)
        calibrate_batch_norm(net.eval(), x)
        eval_mode = net(x)
        uncalibrated = fresh(x)
    # equal up to the unbiased variance that eval mode divides by (n / (n - 1) with n >= 8 * 6 * 6)
    torch.testing.assert_close(eval_mode, train_mode, rtol=0, atol=1e-2)
    assert (uncalibrated - train_mode).abs().max() > 0.5


def test_calibrate_batch_norm_leaves_a_model_without_batch_norm_unchanged():
    conv = nn.Conv2d(1, 2, 3)
    before = {k: v.clone() for k, v in conv.state_dict().items()}
    calibrate_batch_norm(conv, torch.randn(2, 1, 5, 5))
    assert all(torch.equal(before[k], v) for k, v in conv.state_dict().items())


# ---------------------------------------------------------------------------------------------
# probes
# ---------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=40)
@given(h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       p=st.integers(0, 2), seed=st.integers(0, 2**16))
def test_conv_matrix_matches_conv2d(h, w, kh, kw, p, seed):
    if h + 2 * p < kh or w + 2 * p < kw:
        return
    g = torch.Generator().manual_seed(seed)
    weight = torch.randn(kh, kw, generator=g, dtype=torch.float64)
    x = torch.randn(h, w, generator=g, dtype=torch.float64)
    m = conv_matrix(weight, h, w, padding=p)
    y = F.conv2d(x[None, None], weight[None, None], padding=p)
    assert m.shape == (y.numel(), h * w)
    torch.testing.assert_close(m @ x.flatten(), y.flatten(), rtol=1e-12, atol=1e-12)
    if p == 0:  # every row holds exactly the kernel's entries
        assert ((m != 0).sum(dim=1) <= kh * kw).all()


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_gradient_receptive_field_of_stacked_3x3_convs(depth):
    torch.manual_seed(depth)
    layers = [nn.Conv2d(2, 8, 3, padding=1)]
    for _ in range(depth - 1):
        layers += [nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1)]
    model = nn.Sequential(*layers)  # ends with a conv: a final ReLU could be dead for every input
    sal = gradient_receptive_field(model, (2, 15, 15), (0, 7, 7), samples=16)
    assert sal.shape == (15, 15)
    assert receptive_field_extent(sal) == (2 * depth + 1, 2 * depth + 1)


def test_gradient_receptive_field_with_pooling_and_mode_restored():
    model = nn.Sequential(nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3))
    model.train()
    sal = gradient_receptive_field(model, (1, 20, 20), (0, 3, 3), samples=32)
    assert receptive_field_extent(sal) == (8, 8)  # 3, then +1 for the pool, then +2*2 for the conv
    assert model.training


def test_receptive_field_extent_of_empty_and_box():
    assert receptive_field_extent(torch.zeros(4, 5)) == (0, 0)
    box = torch.zeros(6, 7)
    box[1:4, 2:7] = 1.0
    assert receptive_field_extent(box) == (3, 5)


def test_match_size_crops_and_pads():
    x = torch.arange(20.0).reshape(1, 1, 4, 5)
    torch.testing.assert_close(match_size(x, (3, 4)), x[..., :3, :4])
    y = match_size(x, (5, 6))
    assert y.shape == (1, 1, 5, 6)
    torch.testing.assert_close(y[..., :4, :5], x)
    assert y[..., 4, :].abs().sum() == 0 and y[..., :, 5].abs().sum() == 0


def test_shift_response_of_valid_conv_and_pool():
    torch.manual_seed(0)
    image = torch.rand(1, 1, 20, 40, dtype=torch.float64)
    conv = nn.Conv2d(1, 3, 3).double()
    out = shift_response(conv, image, shifts=range(5))
    assert out["equivariance"].max() < 1e-12  # a stride-1 conv moves with its input
    assert out["invariance"][0] == 0 and out["invariance"][1:].min() > 0.1
    pooled = shift_response(nn.Sequential(conv, nn.MaxPool2d(2)), image, shifts=range(5), stride=2)
    assert pooled["equivariance"][[0, 2, 4]].max() < 1e-12  # equivariant on the stride-2 lattice
    assert pooled["equivariance"][[1, 3]].min() > 0.01  # but not in between


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, exc, name", [
    ({"norm": "layer"}, ValueError, "norm"),
    ({"pool": "median"}, ValueError, "pool"),
    ({"activation": "tanh"}, ValueError, "activation"),
    ({"kernel_size": 0}, ValueError, "kernel_size"),
    ({"kernel_size": 2.5}, TypeError, "kernel_size"),
    ({"stride": 0}, ValueError, "stride"),
    ({"padding": -1}, ValueError, "padding"),
    ({"padding": "same"}, TypeError, "padding"),
])
def test_conv_block_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        ConvBlock(3, 4, **kwargs)


def test_blocks_bad_arguments():
    with pytest.raises(ValueError, match="in_channels"):
        ConvBlock(0, 4)
    with pytest.raises(TypeError, match="out_channels"):
        EncoderBlock(3, "4")
    with pytest.raises(ValueError, match="pool"):
        VGGBlock(3, 4, pool="sum")
    with pytest.raises(ValueError, match="mode"):
        DecoderBlock(3, 4, mode="bicubic")
    with pytest.raises(ValueError, match="mode"):
        UNet(1, 1, mode="pixelshuffle")
    with pytest.raises(TypeError, match="widths"):
        UNet(1, 1, widths=())
    with pytest.raises(ValueError, match="widths"):
        UNet(1, 1, widths=(8, 0))
    with pytest.raises(ValueError, match="threshold"):
        UNet(1, 1, widths=(2,)).predict(torch.rand(1, 1, 4, 4), threshold=1.5)
    with pytest.raises(TypeError, match="skips"):
        UNet(1, 1, skips=1)
    with pytest.raises(TypeError, match="model"):
        calibrate_batch_norm(lambda t: t, torch.zeros(2, 1, 4, 4))
    with pytest.raises(TypeError, match="x"):
        calibrate_batch_norm(ConvBlock(1, 2), [[0.0]])


def test_probes_bad_arguments():
    with pytest.raises(TypeError, match="size"):
        match_size(torch.zeros(1, 1, 3, 3), (3,))
    with pytest.raises(ValueError, match="size"):
        match_size(torch.zeros(1, 1, 3, 3), (3, 0))
    with pytest.raises(TypeError, match="weight"):
        conv_matrix(torch.zeros(1, 3, 3), 4, 4)
    with pytest.raises(ValueError, match="padding"):
        conv_matrix(torch.zeros(3, 3), 4, 4, padding=-1)
    model = nn.Conv2d(1, 1, 3)
    with pytest.raises(ValueError, match="index"):
        gradient_receptive_field(model, (1, 5, 5), (0, 3, 3))
    with pytest.raises(ValueError, match="input_shape"):
        gradient_receptive_field(model, (5, 5), (0, 1, 1))
    with pytest.raises(ValueError, match="saliency"):
        receptive_field_extent(torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="shifts"):
        shift_response(model, torch.zeros(1, 1, 8, 8), shifts=[])
    with pytest.raises(ValueError, match="width"):
        shift_response(model, torch.zeros(1, 1, 8, 8), shifts=[0, 2], width=7)


def test_shift_response_after_global_pooling_has_no_equivariance():
    torch.manual_seed(0)
    image = torch.rand(1, 1, 12, 20, dtype=torch.float64)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1)).double()
    out = shift_response(net, image, shifts=[0, 4], stride=4)
    assert out["equivariance"][0] == 0 and math.isnan(out["equivariance"][1])
    assert 0 < out["invariance"][1] < 0.5


def test_trace_shapes_lists_leaf_layers_in_call_order():
    from cnnbook.probes import trace_shapes

    rows = trace_shapes(EncoderBlock(3, 8).eval(), torch.zeros(1, 3, 37, 45))
    assert rows == [("conv", "Conv2d", (1, 8, 19, 23)), ("norm", "BatchNorm2d", (1, 8, 19, 23)),
                    ("act", "ReLU", (1, 8, 19, 23))]
    rows = trace_shapes(UNet(1, 2, widths=(4, 8)).eval(), torch.zeros(1, 1, 7, 9))
    assert rows[-1] == ("head", "Conv2d", (1, 2, 7, 9))
    assert ("fuse.0.conv", "Conv2d", (1, 4, 7, 9)) in rows
    with pytest.raises(TypeError, match="model"):
        trace_shapes(lambda t: t, torch.zeros(1))
