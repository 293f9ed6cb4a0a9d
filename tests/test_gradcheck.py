"""numerical_gradient and relative_error: agreement with autograd, x left unchanged, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnbook.functional import conv2d
from cnnbook.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_a_small_conv_matches_autograd():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 5))
    weight = rng.standard_normal((3, 2, 3, 3))
    target = rng.standard_normal((2, 3, 3, 3))

    def loss_of_weight(w):
        return float(np.sum(np.tanh(conv2d(x, w, stride=1, padding=0)) * target))

    numeric = numerical_gradient(loss_of_weight, weight)
    wt = torch.tensor(weight, requires_grad=True)
    (torch.tanh(F.conv2d(torch.from_numpy(x), wt)) * torch.from_numpy(target)).sum().backward()
    assert relative_error(numeric, wt.grad.numpy()) < 1e-7


def test_numerical_gradient_of_a_quadratic_is_exact_to_rounding():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(lambda a: float(np.sum(a ** 2)), x), 2 * x, rtol=1e-8)


def test_x_is_unchanged_afterwards():
    x = np.linspace(-1, 1, 7)
    before = x.copy()
    numerical_gradient(lambda a: float(np.sum(np.sin(a))), x)
    np.testing.assert_array_equal(x, before)


def test_x_is_unchanged_when_f_raises():
    x = np.arange(4.0)
    before = x.copy()
    calls = []

    def failing(a):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return float(a.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(failing, x)
    np.testing.assert_array_equal(x, before)


def test_closure_over_x_sees_the_perturbation():
    x = np.array([2.0, 3.0])
    grad = numerical_gradient(lambda _: float(x[0] * x[1]), x)
    np.testing.assert_allclose(grad, [3.0, 2.0], rtol=1e-8)


def test_relative_error_follows_its_formula():
    a = np.array([1.0, 0.0, -2.0, 1e-12])
    b = np.array([1.1, 0.0, -2.0, 0.0])
    # entries: 0.1 / 2.1, 0 (floor 1e-8), 0, 1e-12 / 1e-8
    assert relative_error(a, b) == pytest.approx(0.1 / 2.1)
    assert relative_error(np.array([1e-12]), np.array([0.0])) == pytest.approx(1e-4)
    assert relative_error(np.array([3.0]), np.array([-3.0])) == 1.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_accepts_tensors():
    assert relative_error(torch.ones(2), np.ones(2)) == 0.0


@pytest.mark.parametrize("x, exc, name", [
    (np.ones(3, dtype=np.float32), TypeError, "float64"),
    ([1.0, 2.0], TypeError, "x must"),
    (np.arange(3), TypeError, "float64"),
])
def test_numerical_gradient_rejects_inputs_it_cannot_perturb(x, exc, name):
    with pytest.raises(exc, match=name):
        numerical_gradient(lambda a: float(np.sum(a)), x)


def test_numerical_gradient_rejects_read_only_x_bad_h_and_non_scalar_f():
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="x must be writeable"):
        numerical_gradient(lambda a: float(np.sum(a)), x)
    for h in (0, -1e-6, float("nan"), "0.1"):
        with pytest.raises(ValueError, match="h must"):
            numerical_gradient(lambda a: float(np.sum(a)), np.ones(3), h=h)
    with pytest.raises(ValueError, match="f must return a single number"):
        numerical_gradient(lambda a: a * 2, np.ones(3))
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_gradient(3.0, np.ones(3))


def test_relative_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="b must have the same shape"):
        relative_error(np.ones(3), np.ones(4))
