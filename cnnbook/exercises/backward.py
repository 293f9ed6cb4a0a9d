"""Checkers for the exercises of the chapter "Learning the kernels" (``book/backward/backward.ipynb``).

Each checker compares the learner's answer with a reference computed by the package (never a
literal), prints one verdict and returns it. None of them prints the expected answer. The
implement exercises reject answers that call the package's own backward functions or PyTorch's
autograd (verdict ``uses_reference``): the point is to write the gradient, not to look it up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import cnnbook.functional as cf
from cnnbook.exercises._core import Verdict, check, checker
from cnnbook.functional.transposed import conv_transpose2d_scatter, conv_transpose2d_zero_insertion

__all__ = [
    "SHAPES_LAYER",
    "CANDIDATES",
    "check_gradient_sizes",
    "check_conv_backward",
    "check_max_pool_backward",
    "check_dilated_input_grad",
    "check_gradient_check",
    "check_checkerboard_ratios",
]

#: Functions that compute a gradient for the learner: the package's backward functions and autograd.
BACKWARD_FUNCTIONS = (
    cf.conv2d_backward,
    cf.conv2d_backward_naive,
    cf.max_pool2d_backward,
    cf.avg_pool2d_backward,
    torch.autograd.backward,
    torch.autograd.grad,
)

#: Transposed convolutions: the input gradient of a convolution in one call.
TRANSPOSED_FUNCTIONS = (
    cf.conv_transpose2d,
    conv_transpose2d_scatter,
    conv_transpose2d_zero_insertion,
    F.conv_transpose2d,
    torch.conv_transpose2d,
)

#: Functions that would compute a shape for a by-hand answer: output sizes and the forward passes.
SHAPE_FUNCTIONS = (cf.conv_output_size, cf.conv2d, cf.conv2d_naive, F.conv2d, torch.conv2d, nn.Conv2d)

#: The layer of the exercise "Gradient sizes by hand" (shown to the learner in the exercise text).
SHAPES_LAYER = dict(input_shape=(8, 6, 32, 32), out_channels=12, kernel_size=5, stride=2, padding=1, groups=3)


def _report(verdict: Verdict) -> Verdict:
    print(f"{'✔' if verdict else '✘'} {verdict.message}")
    return verdict


def _check_parts(answer: Any, reference: Callable[..., tuple], cases: Sequence[Sequence[Any]], names: Sequence[str],
                 label: str, forbidden: Sequence[Any] = (), rtol: float = 1e-6, atol: float = 1e-8) -> Verdict:
    """Check a function that returns a tuple, one part at a time; print one verdict."""
    if not callable(answer):
        return check(answer, reference, cases=cases, name=label, forbidden=forbidden)

    for k, part in enumerate(names):
        def pick(*args, _k=k):
            result = answer(*args)
            if not isinstance(result, (tuple, list)) or len(result) != len(names):
                raise TypeError(f"{label} must return a tuple ({', '.join(names)}), got {type(result).__name__}")
            return result[_k]

        verdict = check(pick, lambda *args, _k=k: reference(*args)[_k], cases=cases,
                        name=f"{label} → {part}", forbidden=forbidden, rtol=rtol, atol=atol, verbose=False)
        if not verdict:
            return _report(verdict)
    where = "" if cases == [()] else f" on all {len(cases)} test cases"
    return _report(Verdict("correct", f"{label}: correct{where} ({', '.join(names)})"))


# ----- gradient sizes by hand ------------------------------------------------------------------------

def _gradient_sizes() -> tuple[tuple[int, ...], tuple[int, ...], int]:
    layer = SHAPES_LAYER
    n, c_in, h, w = layer["input_shape"]
    k, s, p, g = layer["kernel_size"], layer["stride"], layer["padding"], layer["groups"]
    out_h, out_w = cf.conv_output_size(h, k, s, p), cf.conv_output_size(w, k, s, p)
    return (n, layer["out_channels"], out_h, out_w), (layer["out_channels"], c_in // g, k, k), n * out_h * out_w


@checker
def check_gradient_sizes(answer: Any) -> Verdict:
    """Exercise 'Gradient sizes by hand': (shape of δ, shape of ∂L/∂w, terms summed in one entry of ∂L/∂w)."""
    names = ("shape of grad_output", "shape of grad_weight", "terms in one grad_weight entry")
    return _check_parts(answer, lambda: _gradient_sizes(), [()], names, "gradient_sizes",
                        forbidden=BACKWARD_FUNCTIONS + SHAPE_FUNCTIONS)


# ----- naive conv backward ---------------------------------------------------------------------------

def _conv_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(seed)
    cases = []
    for n, c_in, c_out, size, k, s in [(1, 1, 1, 5, 3, 1), (2, 3, 2, 7, 3, 2), (2, 2, 3, 8, 2, 3),
                                       (3, 1, 2, 6, 4, 1), (2, 2, 2, 9, 2, 4)]:
        x = rng.standard_normal((n, c_in, size, size))
        w = rng.standard_normal((c_out, c_in, k, k))
        out = (size - k) // s + 1
        cases.append((rng.standard_normal((n, c_out, out, out)), x, w, s))
    return cases


@checker
def check_conv_backward(answer: Any) -> Verdict:
    """Exercise 'The convolution's backward pass with loops'.

    answer(grad_output, x, w, stride) -> (∂L/∂x, ∂L/∂w, ∂L/∂b) for a conv2d without padding, dilation or groups.
    """
    return _check_parts(answer, lambda go, x, w, s: cf.conv2d_backward(go, x, w, stride=s), _conv_cases(0),
                        ("grad_input", "grad_weight", "grad_bias"), "conv_backward",
                        forbidden=BACKWARD_FUNCTIONS + TRANSPOSED_FUNCTIONS)


# ----- max-pool backward -----------------------------------------------------------------------------

def _pool_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    rng = np.random.default_rng(seed)
    cases = []
    for shape, k, s, ties in [((1, 1, 4, 4), 2, 2, False), ((2, 3, 6, 6), 2, 2, True), ((2, 2, 7, 7), 3, 2, True),
                              ((1, 2, 5, 8), 2, 1, True), ((2, 1, 9, 9), 3, 3, False)]:
        x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)
        out = ((shape[2] - k) // s + 1, (shape[3] - k) // s + 1)
        cases.append((rng.standard_normal(shape[:2] + out), x, k, s))
    return cases


@checker
def check_max_pool_backward(answer: Any) -> Verdict:
    """Exercise 'Max-pool backward': answer(grad_output, x, kernel_size, stride) -> ∂L/∂x (ties: first maximum)."""
    return check(answer, lambda go, x, k, s: cf.max_pool2d_backward(go, x, k, s), cases=_pool_cases(1),
                 name="max_pool_backward", forbidden=BACKWARD_FUNCTIONS + (cf.max_unpool2d, F.max_unpool2d))


# ----- dilated-conv input gradient -------------------------------------------------------------------

def _dilated_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(seed)
    cases = []
    for n, c_in, c_out, out, k, d in [(1, 1, 1, 4, 3, 2), (2, 2, 3, 5, 3, 2), (2, 3, 2, 3, 2, 3),
                                      (1, 2, 2, 6, 3, 1), (2, 1, 2, 4, 4, 2)]:
        cases.append((rng.standard_normal((n, c_out, out, out)), rng.standard_normal((c_out, c_in, k, k)), d))
    return cases


def _dilated_reference(grad_output: np.ndarray, w: np.ndarray, d: int) -> np.ndarray:
    n, _, out_h, out_w = grad_output.shape
    k = w.shape[2]
    x = np.zeros((n, w.shape[1], out_h + d * (k - 1), out_w + d * (k - 1)))
    return cf.conv2d_backward(grad_output, x, w, dilation=d)[0]


@checker
def check_dilated_input_grad(answer: Any) -> Verdict:
    """Exercise 'The input gradient of a dilated convolution': answer(grad_output, w, dilation) -> ∂L/∂x."""
    return check(answer, _dilated_reference, cases=_dilated_cases(2), name="dilated_input_grad",
                 forbidden=BACKWARD_FUNCTIONS + TRANSPOSED_FUNCTIONS)


# ----- a gradient check that catches planted bugs ----------------------------------------------------
# Each candidate has the signature backward(grad_output, x, w) for a stride-1, unpadded conv2d and
# returns (grad_input, grad_weight, grad_bias). They are built from conv2d alone, independently of
# the package's backward functions.

def _full_correlation(grad_output: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Σ_o grad_output[o] correlated, with full padding, with kernel[o, c]: (N, C_in, H, W)."""
    k_h, k_w = kernel.shape[2:]
    padded = np.pad(grad_output, ((0, 0), (0, 0), (k_h - 1, k_h - 1), (k_w - 1, k_w - 1)))
    return cf.conv2d(padded, np.ascontiguousarray(kernel.transpose(1, 0, 2, 3)))


def _weight_gradient(grad_output: np.ndarray, x: np.ndarray) -> np.ndarray:
    """∂L/∂w[o, c] = Σ_n x[n, c] correlated with grad_output[n, o]: (C_out, C_in, kH, kW)."""
    return cf.conv2d(x.transpose(1, 0, 2, 3), grad_output.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)


def _correct(grad_output, x, w):
    return (_full_correlation(grad_output, w[:, :, ::-1, ::-1]), _weight_gradient(grad_output, x),
            grad_output.sum(axis=(0, 2, 3)))


def _correct_with_loops(grad_output, x, w):
    grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
    k_h, k_w = w.shape[2:]
    for i in range(grad_output.shape[2]):
        for j in range(grad_output.shape[3]):
            delta = grad_output[:, :, i, j]                                  # (N, C_out)
            grad_x[:, :, i:i + k_h, j:j + k_w] += np.einsum("no,ocuv->ncuv", delta, w)
            grad_w += np.einsum("no,ncuv->ocuv", delta, x[:, :, i:i + k_h, j:j + k_w])
    return grad_x, grad_w, grad_output.sum(axis=(0, 2, 3))


def _bug_unflipped_kernel(grad_output, x, w):
    grad_x, grad_w, grad_b = _correct(grad_output, x, w)
    return _full_correlation(grad_output, w), grad_w, grad_b


def _bug_transposed_weight_gradient(grad_output, x, w):
    grad_x, grad_w, grad_b = _correct(grad_output, x, w)
    return grad_x, grad_w.transpose(0, 1, 3, 2), grad_b


def _bug_bias_first_sample(grad_output, x, w):
    grad_x, grad_w, _ = _correct(grad_output, x, w)
    return grad_x, grad_w, grad_output[0].sum(axis=(1, 2))


def _bug_last_row_lost(grad_output, x, w):
    grad_x, grad_w, grad_b = _correct(grad_output, x, w)
    grad_x = grad_x.copy()
    grad_x[:, :, -1, :] = 0.0
    return grad_x, grad_w, grad_b


def _bug_mean_not_sum(grad_output, x, w):
    grad_x, grad_w, grad_b = _correct(grad_output, x, w)
    return grad_x, grad_w / grad_output.shape[0], grad_b


#: (candidate backward, whether it is correct); the learner's check must tell them apart.
CANDIDATES = [
    (_correct, True),
    (_bug_unflipped_kernel, False),
    (_bug_transposed_weight_gradient, False),
    (_correct_with_loops, True),
    (_bug_bias_first_sample, False),
    (_bug_last_row_lost, False),
    (_bug_mean_not_sum, False),
]


@checker
def check_gradient_check(answer: Any) -> Verdict:
    """Exercise 'A gradient check that catches bugs': answer(backward) -> True exactly for a correct backward."""
    truth = {id(candidate): correct for candidate, correct in CANDIDATES}
    return check(answer, lambda backward: truth[id(backward)], cases=[(c,) for c, _ in CANDIDATES],
                 name="gradient_check", check_dtype=False, forbidden=BACKWARD_FUNCTIONS)


# ----- investigate: which kernel sizes give a checkerboard gradient ------------------------------------

def _checkerboard_ratios(size: int = 32, stride: int = 2, kernels: Sequence[int] = (1, 2, 3, 4, 5, 6)) -> np.ndarray:
    ratios = []
    for k in kernels:
        x = np.zeros((1, 1, size, size))
        w = np.ones((1, 1, k, k))
        out = (size - k) // stride + 1
        grad_x = cf.conv2d_backward(np.ones((1, 1, out, out)), x, w, stride=stride)[0][0, 0]
        interior = grad_x[k:size - k, k:size - k]
        ratios.append(interior.min() / interior.max())
    return np.array(ratios)


@checker
def check_checkerboard_ratios(answer: Any) -> Verdict:
    """Exercise 'Which kernels make a checkerboard?': min/max of the interior input gradient for k = 1..6, s = 2."""
    return check(answer, _checkerboard_ratios(), name="ratios", check_dtype=False,
                 forbidden=BACKWARD_FUNCTIONS)
