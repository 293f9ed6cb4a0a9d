"""ResidualBlock: keeps the shape, the identity skip (zero-initialised last BN gives ReLU(x)), the
parameter count, the branch against a hand-built conv-BN-ReLU-conv-BN, and bad input."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnbook.nn import ResidualBlock

torch.set_num_threads(1)


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@settings(deadline=None, max_examples=30)
@given(c=st.integers(1, 6), k=st.sampled_from([1, 3, 5]), h=st.integers(1, 12), w=st.integers(1, 12),
       n=st.integers(2, 3))
def test_block_keeps_the_shape(c, k, h, w, n):
    block = ResidualBlock(c, kernel_size=k)
    x = torch.randn(n, c, h, w)
    assert block(x).shape == x.shape
    assert block.eval()(x).shape == x.shape


@settings(deadline=None, max_examples=20)
@given(c=st.integers(1, 8), k=st.sampled_from([1, 3, 5, 7]))
def test_parameter_count_is_two_bias_free_convs_and_two_batch_norms(c, k):
    assert n_params(ResidualBlock(c, kernel_size=k)) == 2 * (k * k * c * c + 2 * c)


@pytest.mark.parametrize("train", [True, False])
def test_zero_initialised_last_batch_norm_makes_the_block_relu_of_its_input(train):
    torch.manual_seed(0)
    block = ResidualBlock(4, zero_init_last_bn=True).train(train)
    x = torch.randn(2, 4, 7, 9)
    assert torch.equal(block.residual(x), torch.zeros_like(x))
    torch.testing.assert_close(block(x), torch.relu(x), rtol=0, atol=0)


def test_default_initialisation_does_not_give_the_identity():
    torch.manual_seed(0)
    block = ResidualBlock(4)
    x = torch.randn(2, 4, 7, 9)
    assert (block(x) - torch.relu(x)).abs().max() > 0.1


def test_forward_matches_a_hand_built_branch_plus_skip():
    torch.manual_seed(1)
    block = ResidualBlock(3, kernel_size=3)
    for bn in (block.bn1, block.bn2):  # non-trivial affine parameters
        nn.init.uniform_(bn.weight, 0.5, 1.5)
        nn.init.uniform_(bn.bias, -0.5, 0.5)
    x = torch.randn(4, 3, 8, 6)
    conv1 = nn.functional.conv2d(x, block.conv1.weight, padding=1)
    bn1 = nn.functional.batch_norm(conv1, None, None, block.bn1.weight, block.bn1.bias, training=True)
    conv2 = nn.functional.conv2d(torch.relu(bn1), block.conv2.weight, padding=1)
    bn2 = nn.functional.batch_norm(conv2, None, None, block.bn2.weight, block.bn2.bias, training=True)
    torch.testing.assert_close(block(x), torch.relu(x + bn2))


def test_gradient_reaches_the_input_through_the_skip_when_the_branch_is_zero():
    block = ResidualBlock(2, zero_init_last_bn=True)
    x = torch.rand(2, 2, 5, 5) + 0.1  # positive, so the final ReLU passes everything
    x.requires_grad_(True)
    block(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.ones_like(x))


@pytest.mark.parametrize("kwargs, error, word", [
    ({"channels": 0}, ValueError, "channels"),
    ({"channels": 2.0}, TypeError, "channels"),
    ({"channels": True}, TypeError, "channels"),
    ({"channels": 2, "kernel_size": 4}, ValueError, "kernel_size"),
    ({"channels": 2, "kernel_size": 0}, ValueError, "kernel_size"),
    ({"channels": 2, "zero_init_last_bn": 1}, TypeError, "zero_init_last_bn"),
])
def test_bad_arguments_name_the_argument(kwargs, error, word):
    with pytest.raises(error, match=word):
        ResidualBlock(**kwargs)


def test_input_with_the_wrong_number_of_channels_is_rejected():
    with pytest.raises(ValueError, match="x must have shape"):
        ResidualBlock(3)(torch.randn(1, 2, 5, 5))
