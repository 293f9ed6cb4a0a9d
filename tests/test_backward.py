"""conv2d_backward (vectorised and naive), max_pool2d_backward and avg_pool2d_backward against torch.autograd."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cnnbook.functional.backward as backward_module
from cnnbook.functional import (
    avg_pool2d_backward,
    conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    conv_transpose2d,
    max_pool2d_backward,
    same_padding,
)
from cnnbook.functional.pooling import pool_output_size

TOL = dict(rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------------

@st.composite
def conv_configs(draw, max_size: int = 8, max_batch: int = 3):
    """A valid conv2d configuration (N >= 2), its float64 arrays and a random grad_output."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))   # up to larger than the kernel
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kind = draw(st.sampled_from(["int", "pair", "same", "valid"]))
    if kind == "int":
        padding = draw(st.integers(0, 3))
        pads = (padding, padding)
    elif kind == "pair":
        padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
        pads = padding
    else:
        padding, pads = kind, (0, 0)
    # input sizes (odd and even) large enough for the effective kernel
    k_eff = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    h = draw(st.integers(max(1, k_eff[0] - 2 * pads[0]), max(max_size, k_eff[0])))
    w = draw(st.integers(max(1, k_eff[1] - 2 * pads[1]), max(max_size, k_eff[1])))
    n = draw(st.integers(2, max_batch))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    x = rng.standard_normal((n, c_in, h, w))
    weight = rng.standard_normal((c_out, c_in // groups, kh, kw))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    out_shape = conv2d(x, weight, **kwargs).shape
    grad_output = rng.standard_normal(out_shape)
    return grad_output, x, weight, kwargs


def _autograd_conv(grad_output, x, weight, kwargs):
    """(grad_input, grad_weight, grad_bias) from torch.autograd; 'same' at any stride via explicit F.pad."""
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    bt = torch.zeros(weight.shape[0], dtype=torch.float64, requires_grad=True)
    kw = dict(kwargs)
    inp = xt
    if kw["padding"] == "same":
        pads = [same_padding(x.shape[2 + a], weight.shape[2 + a], kw["stride"][a], kw["dilation"][a])
                for a in range(2)]
        inp = F.pad(xt, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
        kw["padding"] = 0
    y = F.conv2d(inp, wt, bt, **kw)
    y.backward(torch.from_numpy(grad_output))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def _assert_grads_equal(ours, theirs):
    for name, a, b in zip(("grad_input", "grad_weight", "grad_bias"), ours, theirs):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, err_msg=name, **TOL)


@settings(deadline=None, max_examples=300)
@given(conv_configs())
def test_conv2d_backward_matches_autograd(cfg):
    grad_output, x, weight, kwargs = cfg
    _assert_grads_equal(conv2d_backward(grad_output, x, weight, **kwargs),
                        _autograd_conv(grad_output, x, weight, kwargs))


@settings(deadline=None, max_examples=60)
@given(conv_configs(max_size=5, max_batch=2))
def test_conv2d_backward_naive_matches_autograd_and_fast(cfg):
    grad_output, x, weight, kwargs = cfg
    naive = conv2d_backward_naive(grad_output, x, weight, **kwargs)
    _assert_grads_equal(naive, _autograd_conv(grad_output, x, weight, kwargs))
    _assert_grads_equal(naive, conv2d_backward(grad_output, x, weight, **kwargs))


def test_stride_larger_than_kernel_leaves_unread_pixels_with_zero_gradient():
    rng = np.random.default_rng(0)
    x, weight = rng.standard_normal((2, 1, 7, 7)), rng.standard_normal((1, 1, 2, 2))
    grad_input, _, _ = conv2d_backward(np.ones((2, 1, 2, 2)), x, weight, stride=4)
    read = np.zeros((7, 7), dtype=bool)
    for i in (0, 4):
        for j in (0, 4):
            read[i:i + 2, j:j + 2] = True
    assert np.all(grad_input[:, :, ~read] == 0)
    assert np.all(grad_input[:, :, read] != 0)


def test_input_gradient_is_the_transposed_convolution_of_delta():
    rng = np.random.default_rng(1)
    x, weight = rng.standard_normal((2, 3, 9, 9)), rng.standard_normal((4, 3, 3, 3))
    grad_output = rng.standard_normal((2, 4, 5, 5))
    grad_input, _, _ = conv2d_backward(grad_output, x, weight, stride=2, padding=1)
    expected = conv_transpose2d(grad_output, weight, stride=2, padding=1, output_padding=0)
    np.testing.assert_allclose(grad_input, expected, **TOL)


def test_float32_inputs_give_float32_gradients():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    weight = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    grads = conv2d_backward(np.ones((2, 3, 3, 3), np.float32), x, weight)
    assert [g.dtype for g in grads] == [np.float32] * 3


def test_conv2d_backward_is_vectorised_without_python_loops_over_pixels():
    """The fast version calls conv_transpose2d and has no for-loop of its own."""
    tree = ast.parse(inspect.getsource(backward_module.conv2d_backward))
    assert not any(isinstance(node, (ast.For, ast.While)) for node in ast.walk(tree))
    assert "conv_transpose2d" in inspect.getsource(backward_module.conv2d_backward)


def test_backward_modules_do_not_import_torch():
    for module in ("cnnbook/functional/backward.py", "cnnbook/gradcheck.py"):
        source = open(module, encoding="utf-8").read()
        names = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                 if isinstance(node, (ast.Import, ast.ImportFrom))
                 for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
        assert "torch" not in names, module


@pytest.mark.parametrize("fn", [conv2d_backward, conv2d_backward_naive])
def test_grad_output_of_the_wrong_shape_is_rejected_by_name(fn):
    x, weight = np.zeros((2, 3, 6, 6)), np.zeros((4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"grad_output.*\(2, 4, 4, 4\)"):
        fn(np.zeros((2, 4, 6, 6)), x, weight)
    with pytest.raises(ValueError, match="grad_output"):
        fn(np.zeros((2, 4, 3, 3)), x, weight, stride=2)   # the stride-2 output is 2x2
    with pytest.raises(ValueError, match="grad_output"):
        fn(np.zeros((4, 4, 4)), x, weight)


@pytest.mark.parametrize("fn", [conv2d_backward, conv2d_backward_naive])
@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(grad_output="abc"), TypeError, "grad_output"),
    (dict(input=np.zeros((6, 6))), ValueError, "input"),
    (dict(weight=np.zeros((4, 2, 3, 3))), ValueError, "in_channels|input"),
    (dict(stride=0), ValueError, "stride"),
    (dict(stride=1.5), TypeError, "stride"),
    (dict(padding="full"), ValueError, "padding"),
    (dict(padding=-1), ValueError, "padding"),
    (dict(dilation=0), ValueError, "dilation"),
    (dict(groups=2), ValueError, "groups"),
    (dict(groups=True), TypeError, "groups"),
])
def test_bad_arguments_are_rejected_by_name(fn, kwargs, exc, name):
    args = dict(grad_output=np.zeros((2, 4, 4, 4)), input=np.zeros((2, 3, 6, 6)), weight=np.zeros((4, 3, 3, 3)))
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        fn(**args)


# ---------------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------------

@st.composite
def pool_configs(draw, with_dilation: bool):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if with_dilation else (1, 1)
    ceil_mode = draw(st.booleans())
    low = [max(1, dilation[a] * ((kh, kw)[a] - 1) + 1 - 2 * padding[a]) for a in range(2)]
    h, w = draw(st.integers(low[0], max(low[0], 9))), draw(st.integers(low[1], max(low[1], 9)))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    if draw(st.booleans()):
        x = rng.integers(0, 3, (2, 2, h, w)).astype(np.float64)     # many ties
    else:
        x = rng.standard_normal((2, 2, h, w))
    out = tuple(pool_output_size((h, w)[a], (kh, kw)[a], stride[a], padding[a], dilation[a], ceil_mode)
                for a in range(2))
    grad_output = rng.standard_normal((2, 2) + out)
    kwargs = dict(kernel_size=(kh, kw), stride=stride, padding=padding, ceil_mode=ceil_mode)
    if with_dilation:
        kwargs["dilation"] = dilation
    return grad_output, x, kwargs


@settings(deadline=None, max_examples=200)
@given(pool_configs(with_dilation=True))
def test_max_pool2d_backward_matches_autograd_including_ties(cfg):
    grad_output, x, kwargs = cfg
    xt = torch.tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, **kwargs)
    # a dilated window over padding only has output -inf; PyTorch then sends its gradient outside the plane
    assume(bool(torch.isfinite(y).all()))
    y.backward(torch.from_numpy(grad_output))
    np.testing.assert_allclose(max_pool2d_backward(grad_output, x, **kwargs), xt.grad.numpy(), **TOL)


@settings(deadline=None, max_examples=200)
@given(pool_configs(with_dilation=False), st.booleans())
def test_avg_pool2d_backward_matches_autograd(cfg, count_include_pad):
    grad_output, x, kwargs = cfg
    xt = torch.tensor(x, requires_grad=True)
    F.avg_pool2d(xt, count_include_pad=count_include_pad, **kwargs).backward(torch.from_numpy(grad_output))
    ours = avg_pool2d_backward(grad_output, x, count_include_pad=count_include_pad, **kwargs)
    np.testing.assert_allclose(ours, xt.grad.numpy(), **TOL)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = np.array([[[[3.0, 3.0], [3.0, 3.0]]]])
    np.testing.assert_array_equal(max_pool2d_backward(np.array([[[[5.0]]]]), x, 2),
                                  [[[[5.0, 0.0], [0.0, 0.0]]]])


def test_overlapping_max_windows_add_their_gradients():
    x = np.array([[[[0.0, 9.0, 0.0]]]])              # the 9 wins both windows of size 2, stride 1
    grad = max_pool2d_backward(np.array([[[[1.0, 2.0]]]]), x, (1, 2), stride=1)
    np.testing.assert_array_equal(grad, [[[[0.0, 3.0, 0.0]]]])


def test_a_max_window_over_padding_only_sends_its_gradient_nowhere():
    x = np.array([[[[0.1], [0.9]]], [[[0.3], [0.2]]]])    # H = 2; the window taps rows -1 and 2
    grad = max_pool2d_backward(np.ones((2, 1, 1, 1)), x, (2, 1), stride=1, padding=(1, 0), dilation=(3, 1))
    np.testing.assert_array_equal(grad, np.zeros_like(x))


def test_pool_backward_accepts_unbatched_input():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 6))
    go = rng.standard_normal((2, 3, 3))
    np.testing.assert_array_equal(max_pool2d_backward(go, x, 2), max_pool2d_backward(go[None], x[None], 2)[0])
    np.testing.assert_array_equal(avg_pool2d_backward(go, x, 2), avg_pool2d_backward(go[None], x[None], 2)[0])


@pytest.mark.parametrize("fn", [max_pool2d_backward, avg_pool2d_backward])
def test_pool_grad_output_of_the_wrong_shape_is_rejected_by_name(fn):
    with pytest.raises(ValueError, match=r"grad_output.*\(1, 2, 3, 3\)"):
        fn(np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 6, 6)), 2)
    with pytest.raises(TypeError, match="grad_output"):
        fn([["a"]], np.zeros((1, 2, 6, 6)), 2)


@pytest.mark.parametrize("fn", [max_pool2d_backward, avg_pool2d_backward])
@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(kernel_size=0), ValueError, "kernel_size"),
    (dict(kernel_size=2.5), TypeError, "kernel_size"),
    (dict(stride=0), ValueError, "stride"),
    (dict(padding=2), ValueError, "padding"),
    (dict(input=np.zeros((6, 6))), ValueError, "input"),
])
def test_pool_bad_arguments_are_rejected_by_name(fn, kwargs, exc, name):
    args = dict(grad_output=np.zeros((1, 2, 3, 3)), input=np.zeros((1, 2, 6, 6)), kernel_size=2)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        fn(**args)
