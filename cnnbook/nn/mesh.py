"""STUB: being written."""
from torch import nn


class MeshConv(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("MeshConv is being written")
