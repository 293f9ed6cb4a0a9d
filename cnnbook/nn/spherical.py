"""STUB: being written."""
from torch import nn


class CircularPad2d(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("CircularPad2d is being written")


class CircularConv2d(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("CircularConv2d is being written")


class CoordConv2d(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("CoordConv2d is being written")


class SphConv2d(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("SphConv2d is being written")
