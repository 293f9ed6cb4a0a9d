"""From-scratch NumPy operations that mirror ``torch.nn.functional``.

Everything here uses PyTorch's NCHW layout, argument names and semantics, and is tested
against PyTorch over many random configurations and on PyTorch's own OpInfo sample inputs.
It needs NumPy only: ``import cnnbook.functional`` works without torch (a torch tensor passed
in is read as an array).

Policy for dtypes and bad input, the same for every op (tested by
``tests/test_functional_policy.py``):

- **Layout.** NCHW: ``input`` is (N, C, H, W), or unbatched (C, H, W), which gives an output
  without the batch axis, as in PyTorch. An empty batch (N = 0) is fine; an empty spatial size
  (H = 0 or W = 0) is a ``ValueError`` naming ``input``. ``pad`` pads any trailing dimensions.
- **Floating dtypes.** The result has the operands' floating dtype: float32 stays float32.
  All floating operands (``input``, ``weight``, ``bias``, ``grad_output``) must share one dtype;
  a float32 ``input`` with a float64 ``weight`` is a ``TypeError`` naming both, as in PyTorch.
- **float16** is accumulated in float32 and rounded to float16 once, at the end.
- **Integers and booleans** are computed in float64 and returned as float64, by every op that
  computes (convolutions, pooling, unpooling, gradients), whereas PyTorch keeps integers in
  pooling and truncates an average. Beside a floating operand they follow NumPy's promotion
  (uint8 with float32 stays float32; int64 with float32 gives float64).
  ``pad`` only copies values, so it keeps any real dtype. Indices stay int64.
- **Complex** input is a ``TypeError`` naming the argument (nothing here is defined for it, and
  dropping the imaginary part would hide a bug).
- **Flags** (``ceil_mode``, ``count_include_pad``, ``return_indices``) must be ``bool``; any
  other value is a ``TypeError`` naming the flag.
- **Every other bad argument** is a ``ValueError`` (right kind, wrong value) or ``TypeError``
  (wrong kind) whose message names the argument and what would be valid. The checks live in
  one module, :mod:`cnnbook._validation`.

One module per chapter:

- ``conv.py`` (chapter "Convolutions"): ``conv2d``, ``conv2d_naive``, ``conv_output_size``, ``same_padding``
- ``padding.py`` (chapter "Padding"): ``pad``
- ``receptive_field.py`` (chapter "Dilation and ASPP"): ``receptive_field``
- ``transposed.py`` (chapter "Transposed and gated convolution"): ``conv_transpose2d`` (vectorised),
  ``conv_transpose2d_scatter`` (naive, same signature), ``conv_transpose2d_zero_insertion``,
  ``conv_transpose_output_size``
- ``pooling.py`` (chapter "Pooling"): ``max_pool2d``, ``avg_pool2d``, ``max_unpool2d``
- ``backward.py`` (chapter "Learning the kernels"): ``conv2d_backward`` (vectorised),
  ``conv2d_backward_naive`` (loops, same signature), ``max_pool2d_backward``, ``avg_pool2d_backward``
"""

from cnnbook.functional.backward import (
    avg_pool2d_backward,
    conv2d_backward,
    conv2d_backward_naive,
    max_pool2d_backward,
)
from cnnbook.functional.conv import conv2d, conv2d_naive, conv_output_size, same_padding
from cnnbook.functional.padding import pad
from cnnbook.functional.pooling import avg_pool2d, max_pool2d, max_unpool2d
from cnnbook.functional.receptive_field import receptive_field
from cnnbook.functional.transposed import (
    conv_transpose2d,
    conv_transpose2d_scatter,
    conv_transpose2d_zero_insertion,
    conv_transpose_output_size,
)

__all__ = [
    "conv2d",
    "conv2d_naive",
    "conv_output_size",
    "same_padding",
    "pad",
    "receptive_field",
    "conv_transpose2d",
    "conv_transpose2d_scatter",
    "conv_transpose2d_zero_insertion",
    "conv_transpose_output_size",
    "max_pool2d",
    "avg_pool2d",
    "max_unpool2d",
    "conv2d_backward",
    "conv2d_backward_naive",
    "max_pool2d_backward",
    "avg_pool2d_backward",
]
