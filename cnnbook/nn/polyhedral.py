"""STUB: being written."""
from torch import nn


class PHDConv(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("PHDConv is being written")


class PHDPool(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("PHDPool is being written")
