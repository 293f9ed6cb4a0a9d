"""From-scratch NumPy operations that mirror ``torch.nn.functional``.

Everything here uses PyTorch's NCHW layout, argument names and semantics, and is tested
against PyTorch over many random configurations. One module per chapter:

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
