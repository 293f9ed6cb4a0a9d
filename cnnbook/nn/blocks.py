"""STUB: being written."""
from torch import nn


class ConvBlock(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("ConvBlock is being written")


class VGGBlock(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("VGGBlock is being written")


class EncoderBlock(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("EncoderBlock is being written")


class DecoderBlock(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("DecoderBlock is being written")


class UNet(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("UNet is being written")
