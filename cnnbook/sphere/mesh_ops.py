"""STUB: being written."""


def mesh_operators(*args, **kwargs):
    raise NotImplementedError("mesh_operators is being written")
