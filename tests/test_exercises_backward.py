"""Each checker of the chapter "Learning the kernels": a right answer passes, wrong ones and stubs do not,
and an answer that calls the package's backward functions or autograd is rejected."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import cnnbook.functional as cf
from cnnbook.exercises import backward as ex
from cnnbook.gradcheck import numerical_gradient, relative_error


def stub(*args):
    raise NotImplementedError("write your answer here")


# ----- right answers (as in the notebook's solutions) ---------------------------------------------------

def gradient_sizes():
    return (8, 12, 15, 15), (12, 2, 5, 5), 8 * 15 * 15


def conv_backward(grad_output, x, w, stride):
    n, c_out, out_h, out_w = grad_output.shape
    k_h, k_w = w.shape[2:]
    grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
    for b in range(n):
        for o in range(c_out):
            for i in range(out_h):
                for j in range(out_w):
                    delta, r, c = grad_output[b, o, i, j], i * stride, j * stride
                    grad_w[o] += delta * x[b, :, r:r + k_h, c:c + k_w]
                    grad_x[b, :, r:r + k_h, c:c + k_w] += delta * w[o]
    return grad_x, grad_w, grad_output.sum(axis=(0, 2, 3))


def max_pool_backward(grad_output, x, kernel_size, stride):
    k, s = kernel_size, stride
    n, c, out_h, out_w = grad_output.shape
    grad_x = np.zeros_like(x)
    nn_, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(out_h):
        for j in range(out_w):
            first = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, k * k).argmax(axis=2)
            u, v = np.divmod(first, k)
            grad_x[nn_, cc, i * s + u, j * s + v] += grad_output[:, :, i, j]
    return grad_x


def dilated_input_grad(grad_output, w, dilation):
    pad = dilation * (w.shape[2] - 1)
    padded = np.pad(grad_output, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return cf.conv2d(padded, flipped, dilation=dilation)


def gradient_check(backward):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    delta = rng.standard_normal((2, 3, 4, 4))

    def loss(x_, w_, b_):
        return float(np.sum(delta * cf.conv2d(x_, w_, b_)))

    numeric = (numerical_gradient(lambda a: loss(a, w, b), x.copy()),
               numerical_gradient(lambda a: loss(x, a, b), w.copy()),
               numerical_gradient(lambda a: loss(x, w, a), b.copy()))
    return all(relative_error(g, n) < 1e-5 for g, n in zip(backward(delta, x, w), numeric))


def checkerboard_ratios():
    ratios = []
    for k in range(1, 7):
        out = (32 - k) // 2 + 1
        grad = cf.conv_transpose2d(np.ones((1, 1, out, out)), np.ones((1, 1, k, k)), stride=2)[0, 0]
        interior = grad[k:32 - k, k:32 - k]
        ratios.append(interior.min() / interior.max())
    return np.array(ratios)


# ----- wrong answers ------------------------------------------------------------------------------------

def gradient_sizes_wrong():
    """Wrong: the output size without the floor's correct rounding (16 instead of 15)."""
    return (8, 12, 16, 16), (12, 2, 5, 5), 8 * 16 * 16


def conv_backward_no_stride(grad_output, x, w, stride):
    """Wrong: ignores the stride (right only for stride 1)."""
    return conv_backward(grad_output, x, w, 1)


def gradient_sizes_by_running_the_layer():
    y = cf.conv2d(np.zeros((8, 6, 32, 32)), np.zeros((12, 2, 5, 5)), stride=2, padding=1, groups=3)
    return y.shape, (12, 2, 5, 5), 8 * y.shape[2] * y.shape[3]


def gradient_sizes_with_the_formula_function():
    out = cf.conv_output_size(32, 5, stride=2, padding=1)
    return (8, 12, out, out), (12, 2, 5, 5), 8 * out * out


def conv_backward_package(grad_output, x, w, stride):
    return cf.conv2d_backward(grad_output, x, w, stride=stride)


def conv_backward_autograd(grad_output, x, w, stride):
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, wt, bt, stride=stride)
    y.backward(torch.from_numpy(grad_output))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def conv_backward_transposed(grad_output, x, w, stride):
    _, grad_w, grad_b = conv_backward(grad_output, x, w, stride)
    out = cf.conv_transpose2d(grad_output, w, stride=stride)
    grad_x = np.zeros_like(x)
    grad_x[:, :, :out.shape[2], :out.shape[3]] = out
    return grad_x, grad_w, grad_b


def conv_backward_two_outputs(grad_output, x, w, stride):
    return conv_backward(grad_output, x, w, stride)[:2]


def max_pool_backward_last_max(grad_output, x, k, s):
    """Wrong on ties: sends the gradient to the last maximum."""
    n, c, out_h, out_w = grad_output.shape
    grad_x = np.zeros_like(x)
    nn_, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, k * k)
            last = k * k - 1 - window[..., ::-1].argmax(axis=2)
            u, v = np.divmod(last, k)
            grad_x[nn_, cc, i * s + u, j * s + v] += grad_output[:, :, i, j]
    return grad_x


def max_pool_backward_overwrites(grad_output, x, kernel_size, stride):
    """Wrong for overlapping windows: assigns instead of adding."""
    k, s = kernel_size, stride
    n, c, out_h, out_w = grad_output.shape
    grad_x = np.zeros_like(x)
    nn_, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(out_h):
        for j in range(out_w):
            first = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, k * k).argmax(axis=2)
            u, v = np.divmod(first, k)
            grad_x[nn_, cc, i * s + u, j * s + v] = grad_output[:, :, i, j]
    return grad_x


def max_pool_backward_package(grad_output, x, kernel_size, stride):
    return cf.max_pool2d_backward(grad_output, x, kernel_size, stride)


def dilated_input_grad_unflipped(grad_output, w, dilation):
    pad = dilation * (w.shape[2] - 1)
    padded = np.pad(grad_output, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return cf.conv2d(padded, np.ascontiguousarray(w.transpose(1, 0, 2, 3)), dilation=dilation)


def dilated_input_grad_transposed(grad_output, w, dilation):
    return cf.conv_transpose2d(grad_output, w, dilation=dilation)


def gradient_check_always_true(backward):
    return True


def gradient_check_weights_only(backward):
    """Wrong: checks only the weight gradient, so bugs in the other two slip through."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    delta = rng.standard_normal((2, 3, 4, 4))
    numeric = numerical_gradient(lambda a: float(np.sum(delta * cf.conv2d(x, a))), w.copy())
    return relative_error(backward(delta, x, w)[1], numeric) < 1e-5


def gradient_check_against_package(backward):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    delta = rng.standard_normal((2, 3, 4, 4))
    return all(relative_error(a, b) < 1e-6 for a, b in zip(backward(delta, x, w), cf.conv2d_backward(delta, x, w)))


def checkerboard_ratios_stride_one():
    """Wrong: stride 1 everywhere (no checkerboard at all)."""
    return np.ones(6)


# ----- the tests ----------------------------------------------------------------------------------------

CASES = [
    (ex.check_gradient_sizes, gradient_sizes, [gradient_sizes_wrong]),
    (ex.check_conv_backward, conv_backward, [conv_backward_no_stride, conv_backward_two_outputs]),
    (ex.check_max_pool_backward, max_pool_backward, [max_pool_backward_last_max, max_pool_backward_overwrites]),
    (ex.check_dilated_input_grad, dilated_input_grad, [dilated_input_grad_unflipped]),
    (ex.check_gradient_check, gradient_check, [gradient_check_always_true, gradient_check_weights_only]),
    (ex.check_checkerboard_ratios, checkerboard_ratios, [checkerboard_ratios_stride_one]),
]


@pytest.mark.parametrize("checker, right, wrongs", CASES, ids=[c[0].__name__ for c in CASES])
def test_right_answer_passes_and_wrong_ones_fail(checker, right, wrongs, capsys):
    assert checker(right).status == "correct"
    for wrong in wrongs:
        verdict = checker(wrong)
        assert verdict.status != "correct", wrong.__name__
    assert checker(stub).status == "not_implemented"
    assert checker(...).status == "not_implemented"


@pytest.mark.parametrize("checker, answer", [
    (ex.check_gradient_sizes, gradient_sizes_by_running_the_layer),
    (ex.check_gradient_sizes, gradient_sizes_with_the_formula_function),
    (ex.check_conv_backward, conv_backward_package),
    (ex.check_conv_backward, conv_backward_autograd),
    (ex.check_conv_backward, conv_backward_transposed),
    (ex.check_max_pool_backward, max_pool_backward_package),
    (ex.check_dilated_input_grad, dilated_input_grad_transposed),
    (ex.check_gradient_check, gradient_check_against_package),
])
def test_answers_that_call_a_backward_function_are_rejected(checker, answer, capsys):
    assert checker(answer).status == "uses_reference"
    assert "write your own implementation" in capsys.readouterr().out


def test_package_functions_are_restored_after_a_rejected_answer(capsys):
    original = cf.conv2d_backward
    ex.check_conv_backward(conv_backward_package)
    assert cf.conv2d_backward is original
    assert torch.autograd.backward.__module__ == "torch.autograd"


def test_gradient_check_candidates_are_what_they_claim():
    """The correct candidates agree with the package; every planted bug differs from it."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    delta = rng.standard_normal((2, 3, 4, 4))
    expected = cf.conv2d_backward(delta, x, w)
    for candidate, correct in ex.CANDIDATES:
        agree = all(np.allclose(a, b) for a, b in zip(candidate(delta, x, w), expected))
        assert agree == correct, candidate.__name__


def test_checkers_leave_the_global_random_generators_alone(capsys):
    np.random.seed(3)
    torch.manual_seed(3)
    before = (np.random.random(), torch.rand(1).item())
    np.random.seed(3)
    torch.manual_seed(3)
    for checker, right, _ in CASES:
        checker(right)
    assert (np.random.random(), torch.rand(1).item()) == before


def test_checkers_never_print_the_expected_answer(capsys):
    ex.check_gradient_sizes(gradient_sizes_wrong)
    ex.check_checkerboard_ratios(checkerboard_ratios_stride_one)
    out = capsys.readouterr().out
    assert "15" not in out and "0.25" not in out and "(12, 2, 5, 5)" not in out
