"""STUB: being written."""


def render_equirect(*args, **kwargs):
    raise NotImplementedError("render_equirect is being written")
