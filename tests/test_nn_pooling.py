"""BlurPool2d and MaxBlurPool2d (anti-aliased downsampling, Zhang 2019) against their formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook.nn.pooling import BlurPool2d, MaxBlurPool2d, binomial_kernel

_NUMPY_PAD = {"reflect": "reflect", "replicate": "edge", "zeros": "constant", "circular": "wrap"}


def blur_pool_by_formula(x: np.ndarray, filt_size: int, stride: int, padding_mode: str) -> np.ndarray:
    """y[n, c, i, j] = sum_{u, v} b[u] b[v] xpad[n, c, s i + u, s j + v], written with loops over the taps."""
    b = np.array([math.comb(filt_size - 1, i) for i in range(filt_size)], dtype=np.float64) / 2 ** (filt_size - 1)
    before, after = (filt_size - 1) // 2, math.ceil((filt_size - 1) / 2)
    xp = np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)), mode=_NUMPY_PAD[padding_mode])
    h_out, w_out = -(-x.shape[2] // stride), -(-x.shape[3] // stride)
    y = np.zeros(x.shape[:2] + (h_out, w_out))
    for u in range(filt_size):
        for v in range(filt_size):
            y += b[u] * b[v] * xp[:, :, u:u + stride * h_out:stride, v:v + stride * w_out:stride]
    return y


@st.composite
def blur_configs(draw):
    f = draw(st.integers(1, 6))
    s = draw(st.integers(1, 4))
    mode = draw(st.sampled_from(sorted(_NUMPY_PAD)))
    low = f // 2 + 1 if mode in ("reflect", "circular") else 1     # a side longer than the padding
    h, w = draw(st.integers(low, low + 10)), draw(st.integers(low, low + 10))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return (n, c, h, w), f, s, mode


def test_binomial_kernel_is_a_normalised_row_of_pascals_triangle():
    torch.testing.assert_close(binomial_kernel(1, torch.float64), torch.tensor([1.0], dtype=torch.float64))
    torch.testing.assert_close(binomial_kernel(3, torch.float64), torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64) / 4)
    torch.testing.assert_close(binomial_kernel(5, torch.float64),
                               torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=torch.float64) / 16)
    for size in range(1, 9):
        assert float(binomial_kernel(size, torch.float64).sum()) == pytest.approx(1.0, abs=1e-15)


@settings(max_examples=80, deadline=None)
@given(config=blur_configs(), seed=st.integers(0, 2**16))
def test_blur_pool_equals_its_formula(config, seed):
    shape, f, s, mode = config
    x = np.random.default_rng(seed).standard_normal(shape)
    out = BlurPool2d(f, s, mode)(torch.from_numpy(x))
    assert out.dtype == torch.float64 and out.shape == shape[:2] + (-(-shape[2] // s), -(-shape[3] // s))
    np.testing.assert_allclose(out.numpy(), blur_pool_by_formula(x, f, s, mode), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(config=blur_configs(), seed=st.integers(0, 2**16))
def test_max_blur_pool_blurs_a_dense_max(config, seed):
    shape, f, s, mode = config
    k = 2
    shape = shape[:2] + (shape[2] + k - 1, shape[3] + k - 1)     # the dense max is as large as the drawn size
    x = np.random.default_rng(seed).standard_normal(shape)
    dense = F.max_pool2d(torch.from_numpy(x), k, stride=1).numpy()
    out = MaxBlurPool2d(k, f, s, mode)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, blur_pool_by_formula(dense, f, s, mode), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 4), s=st.integers(1, 4), h=st.integers(4, 13), w=st.integers(4, 13), seed=st.integers(0, 2**16))
def test_max_blur_pool_without_blur_is_max_pooling(k, s, h, w, seed):
    x = torch.from_numpy(np.random.default_rng(seed).standard_normal((2, 3, h, w)))
    torch.testing.assert_close(MaxBlurPool2d(k, filt_size=1, stride=s)(x), F.max_pool2d(x, k, s), rtol=0, atol=0)


def test_blur_pool_without_blur_is_plain_subsampling():
    x = torch.randn(2, 3, 9, 10)
    torch.testing.assert_close(BlurPool2d(filt_size=1, stride=3)(x), x[..., ::3, ::3], rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_blur_pool_keeps_a_constant_map_constant(mode):
    x = torch.full((1, 2, 8, 7), 0.75, dtype=torch.float64)
    torch.testing.assert_close(BlurPool2d(4, 2, mode)(x), torch.full((1, 2, 4, 4), 0.75, dtype=torch.float64))


def test_blur_pool_output_mass_of_an_impulse_does_not_depend_on_its_phase():
    # plain stride-2 subsampling keeps an impulse or loses it depending on its parity; a binomial
    # kernel of 2 or more taps has equal even and odd sums, so every phase keeps a quarter of the mass
    masses = {f: [] for f in (1, 2, 3, 5)}
    for row in range(4, 8):
        for col in range(4, 8):
            x = torch.zeros(1, 1, 12, 12, dtype=torch.float64)
            x[0, 0, row, col] = 1.0
            for f in masses:
                masses[f].append(float(BlurPool2d(f, 2)(x).sum()))
    assert sorted(set(masses[1])) == [0.0, 1.0]
    for f in (2, 3, 5):
        np.testing.assert_allclose(masses[f], 0.25, rtol=0, atol=1e-15)


def test_blur_pool_has_no_parameters_and_passes_gradients():
    pool = MaxBlurPool2d()
    assert list(pool.parameters()) == [] and "kernel" not in pool.state_dict()
    x = torch.randn(2, 4, 8, 8, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda t: BlurPool2d(3, 2)(t), (x,))
    pool(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_blur_pool_runs_under_vmap_as_fit_seeds_does():
    x = torch.randn(3, 2, 4, 8, 8)            # three stacked mini-batches
    batched = torch.func.vmap(MaxBlurPool2d())(x)
    torch.testing.assert_close(batched, torch.stack([MaxBlurPool2d()(xi) for xi in x]))


@pytest.mark.parametrize("make, error, match", [
    (lambda: BlurPool2d(filt_size=0), ValueError, "filt_size"),
    (lambda: BlurPool2d(filt_size=2.0), TypeError, "filt_size"),
    (lambda: BlurPool2d(stride=0), ValueError, "stride"),
    (lambda: BlurPool2d(padding_mode="mirror"), ValueError, "padding_mode"),
    (lambda: MaxBlurPool2d(kernel_size=True), TypeError, "kernel_size"),
    (lambda: binomial_kernel(0), ValueError, "size"),
])
def test_bad_arguments_are_rejected_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_inputs_are_rejected_by_name():
    with pytest.raises(ValueError, match="x must be a 4-D"):
        BlurPool2d()(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="reflect padding"):
        BlurPool2d(filt_size=5)(torch.zeros(1, 1, 2, 8))
    with pytest.raises(ValueError, match="kernel_size"):
        MaxBlurPool2d(kernel_size=3)(torch.zeros(1, 1, 2, 8))
