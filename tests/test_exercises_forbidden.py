"""No checker can be fooled: a function that only calls the chapter's reference (or PyTorch's equivalent)
is rejected as "uses_reference", answers that mutate their inputs or claim to equal everything are
rejected, and no checker changes the learner's global random number generators."""

from __future__ import annotations

import importlib
import inspect
import random

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from torch import nn

import cnnbook.exercises._core as core
import cnnbook.functional as cf
from cnnbook.exercises import blocks as exb
from cnnbook.exercises import convolutions as exc
from cnnbook.exercises import dilation as exd
from cnnbook.exercises import padding as exp
from cnnbook.exercises import pooling as expo
from cnnbook.exercises import spherical_equirect as exe
from cnnbook.exercises import spherical_mesh as exm
from cnnbook.exercises import transposed_gated as ext
from cnnbook.exercises import why_convolutions as exw
from cnnbook.functional.conv import conv_flops, im2col, im2col_bytes
from cnnbook.functional.pooling import pool_output_size
from cnnbook.nn import EncoderBlock, VGGBlock
from cnnbook.nn.aspp import ASPP
from cnnbook.nn.spherical import CoordConv2d, SphConv2d
from cnnbook.sphere.kernels import sphconv_kernel_sizes
from cnnbook.functional.padding import pad
from cnnbook.functional.pooling import max_pool2d, max_unpool2d
from cnnbook.nn import UNet
from cnnbook.nn.blocks import match_size
from cnnbook.probes import conv_matrix, gradient_receptive_field, receptive_field_extent
from cnnbook.nn.gated import GatedConv2d
from cnnbook.nn.mesh import MeshConv, MeshPool
from cnnbook.nn.polyhedral import PHDConv, PHDPool
from cnnbook.nn.spherical import circular_pad2d, coord_channels
from cnnbook.sphere.equirect import pixel_latitudes, pixel_solid_angle
from cnnbook.sphere.icosphere import icosphere
from cnnbook.sphere.kernels import kernel_tap_offsets
from cnnbook.train import count_parameters

MODULES = ["arithmetic", "backward", "blocks", "convolutions", "dilation", "first_look", "padding", "pooling", "spherical_equirect",
           "spherical_mesh", "transposed_gated", "why_convolutions"]
ALL_CHECKERS = [getattr(importlib.import_module(f"cnnbook.exercises.{m}"), name)
                for m in MODULES for name in importlib.import_module(f"cnnbook.exercises.{m}").__all__
                if name.startswith("check_")]


def _n(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _mesh_counts(level):
    verts, faces = icosphere(level)
    edges = {tuple(sorted(e)) for f in faces for e in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0]))}
    return len(verts), len(edges), len(faces)


def _phd_conv(x, weight, bias):
    conv = PHDConv(weight.shape[1], weight.shape[0]).to(x.dtype)
    with torch.no_grad():
        conv.weight.copy_(weight)
        conv.bias.copy_(bias)
        return conv(x)


def _split_gated(x, weight, bias):
    c_out, c_in, k, _ = weight.shape
    layer = GatedConv2d(c_in, c_out // 2, k, padding=k // 2).double()
    with torch.no_grad():
        layer.feature.weight.copy_(weight[: c_out // 2])
        layer.feature.bias.copy_(bias[: c_out // 2])
        layer.gate.weight.copy_(weight[c_out // 2:])
        layer.gate.bias.copy_(bias[c_out // 2:])
        return layer(x)


def _transposed_conv_matrix(w, size, stride):
    basis = np.eye(size * size).reshape(size * size, 1, size, size)
    return cf.conv2d(basis, np.asarray(w, dtype=float)[None, None], stride=stride).reshape(size * size, -1).T


def _torch_conv_transpose1d(x, w, stride):
    x = torch.as_tensor(np.asarray(x, dtype=float)).reshape(1, 1, -1)
    w = torch.as_tensor(np.asarray(w, dtype=float)).reshape(1, 1, -1)
    return F.conv_transpose1d(x, w, stride=stride).reshape(-1).numpy()


def _unpool(values, indices, shape):
    return max_unpool2d(values[None, None], indices[None, None], 2, output_size=shape)[0, 0]


#: (checker, a function that gets the right answer only by calling what the exercise asks the learner to write)
CHEATS = [
    (exc.check_correlate2d, lambda image, kernel: cf.conv2d(image[None, None], kernel[None, None])[0, 0]),
    (exc.check_correlate2d, lambda image, kernel: scipy.signal.correlate2d(image, kernel, mode="valid")),
    (exc.check_correlate2d, lambda image, kernel: F.conv2d(torch.as_tensor(image)[None, None],
                                                           torch.as_tensor(kernel)[None, None])[0, 0].numpy()),
    (exc.check_output_size_fn, lambda i, k, s, p, d: cf.conv_output_size(i, k, stride=s, padding=p, dilation=d)),
    (exc.check_count_params_fn, lambda c_in, c_out, k, g, b: count_parameters(nn.Conv2d(c_in, c_out, k, groups=g,
                                                                                        bias=b))),
    (exc.check_stack_weights, lambda n, c: (n * _n(nn.Conv2d(c, c, 3, bias=False)),
                                            _n(nn.Conv2d(c, c, 1 + 2 * n, bias=False)))),
    (exc.check_strided_via_subsample, lambda x, w, s, p: cf.conv2d(x, w, stride=s, padding=p)),
    (exc.check_strided_via_subsample, lambda x, w, s, p: F.conv2d(torch.as_tensor(x), torch.as_tensor(w), None,
                                                                  s, p).numpy()),
    (exc.check_grouped_by_hand, lambda x, w, g: cf.conv2d(x, w, groups=g)),
    (exc.check_im2col_fn, lambda image, k: im2col(image[None], k)[0]),
    (exc.check_im2col_fn, lambda image, k: F.unfold(torch.as_tensor(image)[None], k)[0].numpy()),
    (exc.check_conv_by_matmul, lambda x, w: cf.conv2d(x[None], w)[0]),
    (exc.check_conv_by_matmul, lambda x, w: nn.functional.conv2d(torch.as_tensor(x)[None],
                                                                 torch.as_tensor(w))[0].numpy()),
    (exp.check_reflect_pad_1d, lambda x, left, right: np.pad(x, (left, right), mode="reflect")),
    (exp.check_reflect_pad_1d, lambda x, left, right: pad(np.asarray(x, dtype=float).reshape(1, 1, 1, -1),
                                                          (left, right, 0, 0), mode="reflect").reshape(-1)),
    (exp.check_tf_same_padding, lambda size, k, s: cf.same_padding(size, k, stride=s)),
    (exp.check_conv2d_tf_same, lambda x, w, s: torch.from_numpy(cf.conv2d(x.numpy(), w.numpy(), stride=s,
                                                                          padding="same"))),
    (expo.check_block_max_pool, lambda x, k: max_pool2d(x[None, None], k)[0, 0]),
    (expo.check_block_max_pool, lambda x, k: F.max_pool2d(torch.as_tensor(x)[None, None], k)[0, 0].numpy()),
    (expo.check_unpool_plane, _unpool),
    (exd.check_gap_convention, lambda k, gaps: cf.receptive_field([(k, 1, gaps + 1)])[0].size),
    (exd.check_dilate_kernel, lambda w, d: F.conv_transpose2d(torch.ones(1, 1, 1, 1, dtype=torch.float64),
                                                              torch.as_tensor(w)[None, None], dilation=d)[0, 0].numpy()),
    (exd.check_receptive_field_size, lambda layers: cf.receptive_field(layers)[-1].size),
    (exw.check_conv_matrix, conv_matrix),
    (exw.check_receptive_field_size,
     lambda model, shape, index: receptive_field_extent(gradient_receptive_field(model, shape, index, samples=4))),
    (exb.check_match_size, match_size),
    (exb.check_unet_params, lambda c_in, c_out, widths, mode: _n(UNet(c_in, c_out, widths=widths, mode=mode))),
    (exe.check_row_latitude, lambda v, h: float(np.degrees(pixel_latitudes(h)[v]))),
    (exe.check_row_solid_angle, lambda v, h, w: float(pixel_solid_angle(h, w)[v, 0])),
    (exe.check_circular_pad_1d, lambda x, p: np.pad(x, p, mode="wrap")),
    (exe.check_circular_pad_1d, lambda x, p: circular_pad2d(torch.as_tensor(x, dtype=torch.float64)
                                                            .reshape(1, 1, 1, -1), (p, p, 0, 0)).reshape(-1).numpy()),
    (exe.check_coord_channels, lambda h, w: coord_channels(h, w, dtype=torch.float64).numpy()),
    (exe.check_tap_offset, lambda v, h, w: float(kernel_tap_offsets(h, w)[0][v, 1, 2])),
    (exm.check_mesh_counts, _mesh_counts),
    (exm.check_phd_avg_pool, lambda x: PHDPool("avg")(x)),
    (exm.check_phd_avg_pool, lambda x: F.avg_pool1d(x, 4)),
    (exm.check_phdconv_params, lambda c_in, c_out: _n(PHDConv(c_in, c_out))),
    (exm.check_phd_conv, _phd_conv),
    (exm.check_meshconv_params, lambda c_in, c_out: _n(MeshConv(c_in, c_out, 0))),
    (exm.check_vertex_pool, lambda x: MeshPool()(x)),
    (ext.check_conv_transpose1d, lambda x, w, s: cf.conv_transpose2d(np.asarray(x, dtype=float).reshape(1, 1, 1, -1),
                                                                     np.asarray(w, dtype=float).reshape(1, 1, 1, -1),
                                                                     stride=(1, s)).reshape(-1)),
    (ext.check_conv_transpose1d, _torch_conv_transpose1d),
    (ext.check_overlap_counts, lambda n, k, s: _torch_conv_transpose1d(np.ones(n), np.ones(k), s)),
    (ext.check_output_padding_for,
     lambda n, k, s, p: n - cf.conv_transpose_output_size(cf.conv_output_size(n, k, stride=s, padding=p), k,
                                                          stride=s, padding=p)),
    (ext.check_conv_matrix, _transposed_conv_matrix),
    (ext.check_split_gated, _split_gated),
    # by-hand exercises answered with a function of no arguments that asks the package
    (exc.check_flipped_corner, lambda: cf.conv2d(exc._IMAGE[None, None], exc._KERNEL[::-1, ::-1][None, None])[0, 0, 0, 0]),
    (exc.check_output_size, lambda: cf.conv_output_size(7, 3, stride=2, padding=1)),
    (exc.check_param_count, lambda: count_parameters(nn.Conv2d(3, 16, 5))),
    (exc.check_flops, lambda: conv_flops((8, 64, 56, 56), (64, 64, 3, 3), padding=1)),
    (exc.check_im2col_megabytes, lambda: im2col_bytes((1, 16, 128, 128), 3, stride=1, padding=1, itemsize=4) / 1e6),
    (exc.check_inflation_factor, lambda: im2col_bytes((1, 3, 64, 64), 5, stride=2, padding=2) / (3 * 64 * 64 * 4)),
    (exp.check_tf_same_by_hand, lambda: (cf.conv_output_size(13, 6, stride=5, padding="same"),
                                         *cf.same_padding(13, 6, stride=5))),
    (expo.check_ceil_output_size, lambda: tuple(pool_output_size(7, 2, stride=3, padding=p, ceil_mode=True)
                                                for p in (0, 1))),
    (expo.check_tie_indices, lambda: max_pool2d(expo.TIES[None, None], 2, return_indices=True)[1][0, 0]),
    (ext.check_transposed_size_by_hand, lambda: cf.conv_transpose_output_size(5, 3, stride=2, padding=1)),
    (exb.check_vgg_params, lambda: _n(VGGBlock(64, 128))),
    (exb.check_encoder_shape, lambda: tuple(EncoderBlock(3, 32).eval()(torch.zeros(1, 3, 37, 45)).shape)),
    (exw.check_dense_vs_conv_params, lambda: (_n(nn.Linear(3072, 16384, device="meta")),
                                              _n(nn.Conv2d(3, 16, 5, padding=2)))),
    (exd.check_aspp_parameters, lambda: _n(ASPP(64, 32, rates=(1, 2, 4)))),
    (exe.check_coordconv_parameters, lambda: _n(CoordConv2d(3, 16, 3, with_r=True))),
    (exe.check_sphconv_kernel_count, lambda: len(SphConv2d(1, 1, 32, sphconv_kernel_sizes(32, 64), tied=True).weights)),
]

_IDS = [f"{checker.__name__}-{n}" for n, (checker, _) in enumerate(CHEATS)]


@pytest.mark.parametrize(("checker", "cheat"), CHEATS, ids=_IDS)
def test_function_that_calls_the_reference_is_rejected(checker, cheat, capsys):
    verdict = checker(cheat)
    out = capsys.readouterr().out
    assert verdict.status == "uses_reference", out
    assert "your own implementation" in out and "test case" not in out


@pytest.mark.parametrize(("checker", "cheat"), CHEATS, ids=_IDS)
def test_each_cheat_would_be_right_if_calling_the_reference_were_allowed(checker, cheat, monkeypatch, capsys):
    """Guards the test above: every cheat really computes the expected answer."""
    monkeypatch.setattr(core._Tracer, "verdict", lambda self, name: None)
    assert checker(cheat).status == "correct", capsys.readouterr().out


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=[c.__name__ for c in ALL_CHECKERS])
def test_an_object_that_equals_everything_is_never_correct(checker):
    assert checker(AlwaysEqual()).status != "correct"
    assert checker(lambda *args: AlwaysEqual()).status != "correct"


def _zero_inputs(*args):
    for arg in args:
        if isinstance(arg, np.ndarray):
            arg[...] = 0
        elif isinstance(arg, torch.Tensor):
            with torch.no_grad():
                arg.zero_()
    first = args[0] if args else 0
    return torch.zeros_like(first) if isinstance(first, torch.Tensor) else np.zeros_like(np.asarray(first, dtype=float))


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=[c.__name__ for c in ALL_CHECKERS])
def test_zeroing_the_inputs_in_place_and_returning_zeros_is_never_correct(checker):
    assert checker(_zero_inputs).status != "correct"


def _states():
    return random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone()


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=[c.__name__ for c in ALL_CHECKERS])
def test_no_checker_changes_the_global_rng_states(checker):
    def draws(*args):
        random.random()
        np.random.rand()
        torch.rand(1)
        raise NotImplementedError

    before = _states()
    checker(draws)
    after = _states()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert torch.equal(before[2], after[2])


def test_every_checker_is_wrapped_to_restore_the_rng():
    unwrapped = [c.__name__ for c in ALL_CHECKERS if not hasattr(c, "__wrapped__")]
    assert unwrapped == []


def test_no_checker_module_reseeds_the_global_rng():
    for name in MODULES:
        source = inspect.getsource(importlib.import_module(f"cnnbook.exercises.{name}"))
        assert "torch.manual_seed" not in source and "np.random.seed" not in source, name
