"""PyTorch modules for the book's building blocks, one module per chapter.

- ``aspp.py`` (chapter "Dilation and ASPP"): ``ASPP``
- ``gated.py`` (chapter "Transposed and gated convolution"): ``GatedConv2d``, ``PartialConv2d``
- ``pooling.py`` (chapter "Pooling"): ``BlurPool2d``, ``MaxBlurPool2d``
- ``blocks.py`` (chapter "Convolutional blocks"): ``ConvBlock``, ``VGGBlock``, ``EncoderBlock``, ``DecoderBlock``, ``UNet``
- ``residual.py`` (chapter "Convolutional blocks"): ``ResidualBlock``
- ``spherical.py`` (chapter "Spherical images", part 1): ``CircularPad2d``, ``CircularConv2d``, ``CoordConv2d``, ``SphConv2d``,
  ``LatitudeChannel``
- ``polyhedral.py`` (chapter "Spherical images", part 2): ``PHDConv``, ``PHDPool``
- ``mesh.py`` (chapter "Spherical images", part 2): ``MeshConv``, ``MeshPool``
"""

from cnnbook.nn.aspp import ASPP
from cnnbook.nn.blocks import ConvBlock, DecoderBlock, EncoderBlock, UNet, VGGBlock
from cnnbook.nn.gated import GatedConv2d, PartialConv2d
from cnnbook.nn.mesh import MeshConv, MeshPool
from cnnbook.nn.polyhedral import PHDConv, PHDPool
from cnnbook.nn.pooling import BlurPool2d, MaxBlurPool2d
from cnnbook.nn.residual import ResidualBlock
from cnnbook.nn.spherical import CircularConv2d, CircularPad2d, CoordConv2d, LatitudeChannel, SphConv2d

__all__ = [
    "ASPP",
    "GatedConv2d",
    "PartialConv2d",
    "BlurPool2d",
    "MaxBlurPool2d",
    "ConvBlock",
    "VGGBlock",
    "EncoderBlock",
    "DecoderBlock",
    "UNet",
    "ResidualBlock",
    "CircularPad2d",
    "CircularConv2d",
    "CoordConv2d",
    "SphConv2d",
    "LatitudeChannel",
    "PHDConv",
    "PHDPool",
    "MeshConv",
    "MeshPool",
]
