"""The dtype and bad-input policy of cnnbook.functional, checked on every op by one parametrised test.

The policy itself is written in the docstring of :mod:`cnnbook.functional` and in CONTRIBUTING.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import cnnbook.functional as cf
from cnnbook.functional.conv import conv_flops, im2col
from cnnbook.functional.padding import pad_indices


@dataclass
class Op:
    """One op of cnnbook.functional: its array arguments (by name) and its other arguments."""

    name: str
    fn: Callable
    arrays: dict[str, np.ndarray]
    params: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    keeps_integers: bool = False    # pad only copies values, so it keeps an integer dtype
    integer_arrays: tuple[str, ...] = ()   # arrays that are indices, not values

    def __call__(self, **arrays):
        return self.fn(**{**self.arrays, **arrays}, **self.params)


def _ops() -> list[Op]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 6))
    w = rng.standard_normal((4, 2, 3, 3))          # groups=2
    b = rng.standard_normal(4)
    wt = rng.standard_normal((4, 3, 3, 3))         # transposed: (C_in, C_out/groups, kH, kW)
    bt = rng.standard_normal(3)
    depthwise = rng.standard_normal((4, 1, 3, 3))
    pooled, indices = cf.max_pool2d(x, 2, return_indices=True)
    conv = dict(padding=1, groups=2)
    go_conv = rng.standard_normal((2, 4, 6, 6))
    go_pool = rng.standard_normal((2, 4, 3, 3))
    ops = [
        Op("conv2d", cf.conv2d, dict(input=x, weight=w, bias=b), conv),
        Op("conv2d_naive", cf.conv2d_naive, dict(input=x, weight=w, bias=b), conv),
        Op("conv2d_depthwise", cf.conv2d, dict(input=x, weight=depthwise, bias=b), dict(padding=1, groups=4)),
        Op("im2col", im2col, dict(input=x), dict(kernel_size=3, padding=1)),
        Op("pad", cf.pad, dict(input=x), dict(pad=(1, 2, 2, 0), mode="reflect"), keeps_integers=True),
        Op("conv_transpose2d", cf.conv_transpose2d, dict(input=x, weight=wt, bias=bt), dict(stride=2, padding=1)),
        Op("conv_transpose2d_scatter", cf.conv_transpose2d_scatter, dict(input=x, weight=wt, bias=bt),
           dict(stride=2, padding=1)),
        Op("conv_transpose2d_zero_insertion", cf.conv_transpose2d_zero_insertion, dict(input=x, weight=wt, bias=bt),
           dict(stride=2, padding=1)),
        Op("max_pool2d", cf.max_pool2d, dict(input=x), dict(kernel_size=3, stride=2, padding=1),
           flags=("ceil_mode", "return_indices")),
        Op("avg_pool2d", cf.avg_pool2d, dict(input=x), dict(kernel_size=3, stride=2, padding=1),
           flags=("ceil_mode", "count_include_pad")),
        Op("max_unpool2d", cf.max_unpool2d, dict(input=pooled, indices=indices), dict(kernel_size=2),
           integer_arrays=("indices",)),
        Op("conv2d_backward", cf.conv2d_backward, dict(grad_output=go_conv, input=x, weight=w), conv),
        Op("conv2d_backward_naive", cf.conv2d_backward_naive, dict(grad_output=go_conv, input=x, weight=w), conv),
        Op("max_pool2d_backward", cf.max_pool2d_backward, dict(grad_output=go_pool, input=x), dict(kernel_size=2),
           flags=("ceil_mode",)),
        Op("avg_pool2d_backward", cf.avg_pool2d_backward, dict(grad_output=go_pool, input=x), dict(kernel_size=2),
           flags=("ceil_mode", "count_include_pad")),
    ]
    return ops


OPS = _ops()


def _outputs(result) -> tuple[np.ndarray, ...]:
    return result if isinstance(result, tuple) else (result,)


def _values(op: Op) -> list[str]:
    return [name for name in op.arrays if name not in op.integer_arrays]


def _cast(op: Op, dtype) -> dict[str, np.ndarray]:
    return {name: op.arrays[name].astype(dtype) for name in _values(op)}


# Each rule takes an op and checks one clause of the policy.

def float16_is_accumulated_in_float32(op: Op) -> None:
    half = _cast(op, np.float16)
    got = _outputs(op(**half))
    single = _outputs(op(**{k: v.astype(np.float32) for k, v in half.items()}))
    for g, s in zip(got, single):
        if np.issubdtype(s.dtype, np.integer):      # max_pool2d's indices
            np.testing.assert_array_equal(g, s)
            continue
        assert g.dtype == np.float16
        np.testing.assert_array_equal(g, s.astype(np.float16))


def complex_is_refused_naming_the_argument(op: Op) -> None:
    for name in _values(op):
        with pytest.raises(TypeError, match=name):
            op(**{name: op.arrays[name] + 0j})


def mixed_floats_are_refused_naming_both(op: Op) -> None:
    names = _values(op)
    if len(names) == 1:   # one floating operand: its dtype is kept, never promoted
        out = _outputs(op(**_cast(op, np.float32)))
        assert all(o.dtype == np.float32 for o in out if not np.issubdtype(o.dtype, np.integer))
        return
    for other in names[1:]:
        arrays = _cast(op, np.float32)
        arrays[other] = arrays[other].astype(np.float64)
        with pytest.raises(TypeError, match=f"{names[0]}.*{other}"):
            op(**arrays)


def integers_become_float64(op: Op) -> None:
    ints = {name: np.round(op.arrays[name] * 3).astype(np.int64) for name in _values(op)}
    got = _outputs(op(**ints))
    want = _outputs(op(**{k: v.astype(np.float64) for k, v in ints.items()}))
    for g, w in zip(got, want):
        if np.issubdtype(w.dtype, np.integer):      # indices
            continue
        assert g.dtype == (np.int64 if op.keeps_integers else np.float64)
        np.testing.assert_array_equal(g, w)


def flags_must_be_bool(op: Op) -> None:
    for flag in op.flags:
        with pytest.raises(TypeError, match=flag):
            op.fn(**op.arrays, **op.params, **{flag: "no"})
        op.fn(**op.arrays, **op.params, **{flag: np.bool_(False)})   # NumPy's bool is a bool


BATCHED = ("input", "grad_output", "indices")   # the arrays with a batch axis


def unbatched_input_is_accepted(op: Op) -> None:
    """An unbatched call equals a batch of one with the batch axis dropped (for outputs that have one)."""
    one = _outputs(op(**{name: a[:1] for name, a in op.arrays.items() if name in BATCHED}))
    single = _outputs(op(**{name: a[0] for name, a in op.arrays.items() if name in BATCHED}))
    for i, (w, s) in enumerate(zip(one, single)):
        has_batch = not (op.name.startswith("conv2d_backward") and i > 0)   # grad_weight, grad_bias
        np.testing.assert_array_equal(s, w[0] if has_batch else w)


def empty_spatial_size_is_refused_naming_input(op: Op) -> None:
    arrays = {name: a[:, :, :0] for name, a in op.arrays.items() if name in BATCHED}
    with pytest.raises(ValueError, match="input"):
        op(**arrays)


RULES = [float16_is_accumulated_in_float32, complex_is_refused_naming_the_argument,
         mixed_floats_are_refused_naming_both, integers_become_float64, flags_must_be_bool,
         unbatched_input_is_accepted, empty_spatial_size_is_refused_naming_input]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_every_op_follows_the_dtype_and_input_policy(op, rule):
    rule(op)


def test_every_public_op_is_covered_by_the_policy_test():
    covered = {op.fn for op in OPS}
    ops = {getattr(cf, name) for name in cf.__all__
           if name not in ("conv_output_size", "same_padding", "receptive_field", "conv_transpose_output_size")}
    assert ops <= covered, {f.__name__ for f in ops - covered}


# ---------------------------------------------------------------------------------------------
# the remaining clauses, one op each
# ---------------------------------------------------------------------------------------------

def test_pad_value_none_means_zero():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(cf.pad(x, (1, 1, 1, 1), value=None), cf.pad(x, (1, 1, 1, 1), value=0))
    np.testing.assert_array_equal(cf.pad(x, (1, 1), value=None),
                                  F.pad(torch.from_numpy(x), (1, 1), value=None).numpy())


@pytest.mark.parametrize("divisor", [1, 3, -2, 7])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_divisor_override_matches_torch(divisor, count_include_pad):
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 6))
    got = cf.avg_pool2d(x, 3, 2, 1, True, count_include_pad, divisor)
    want = F.avg_pool2d(torch.from_numpy(x), 3, 2, 1, True, count_include_pad, divisor).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="divisor_override"):
        cf.avg_pool2d(x, 3, divisor_override=0)
    with pytest.raises(TypeError, match="divisor_override"):
        cf.avg_pool2d(x, 3, divisor_override=2.5)


@pytest.mark.parametrize("args, error, name", [
    ((2, 3, 0, "reflect"), ValueError, "reflect"),      # a reflection as wide as the axis
    ((0, 1, 1, "circular"), ValueError, "n"),           # nothing to wrap around
    ((0, 0, 0, "replicate"), ValueError, "n"),
    ((3, 4, 0, "circular"), ValueError, "circular"),    # wraps more than once
    ((3.0, 1, 1, "replicate"), TypeError, "n"),
    ((3, True, 1, "replicate"), TypeError, "before"),
    ((3, 1, "1", "replicate"), TypeError, "after"),
    ((3, -2, -2, "replicate"), ValueError, "before"),   # crops more than the axis holds
    ((3, 1, 1, "constant"), ValueError, "mode"),
])
def test_pad_indices_validates_its_arguments(args, error, name):
    with pytest.raises(error, match=name):
        pad_indices(*args)


def test_pad_indices_crops_with_negative_amounts():
    assert pad_indices(5, -1, 2, "replicate").tolist() == [1, 2, 3, 4, 4, 4]


@pytest.mark.parametrize("groups, error", [(0, ValueError), (3, ValueError), (2.0, TypeError), (True, TypeError)])
def test_conv_flops_validates_groups(groups, error):
    with pytest.raises(error, match="groups"):
        conv_flops((1, 4, 8, 8), (4, 2, 3, 3), groups=groups)
    assert conv_flops((1, 4, 8, 8), (4, 2, 3, 3), padding=1, groups=2) == 2 * 64 * 4 * 2 * 9


@pytest.mark.parametrize("kernel_size, stride, padding", [(1, 1, 0), (3, 1, 0), (2, 2, 0), (3, 1, 1)])
def test_im2col_returns_a_new_writeable_array(kernel_size, stride, padding):
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 5))
    before = x.copy()
    cols = im2col(x, kernel_size, stride, padding)
    assert cols.flags.writeable
    assert not np.shares_memory(cols, x)
    cols[...] = 0
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("int_dtype, float_dtype, want", [
    (np.uint8, np.float32, np.float32), (np.int64, np.float32, np.float64), (np.int16, np.float16, np.float32),
    (np.bool_, np.float16, np.float16), (np.int64, np.float64, np.float64),
])
def test_integers_beside_a_float_follow_numpy_promotion(int_dtype, float_dtype, want):
    image = np.arange(16).reshape(1, 1, 4, 4).astype(int_dtype)
    kernel = np.ones((1, 1, 2, 2), dtype=float_dtype)
    got = cf.conv2d(image, kernel)
    assert got.dtype == want == np.result_type(int_dtype, float_dtype)
    np.testing.assert_array_equal(got, cf.conv2d(image.astype(np.float64), kernel.astype(np.float64)).astype(want))
