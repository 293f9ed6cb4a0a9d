"""STUB: being written."""


def pixel_to_direction(*args, **kwargs):
    raise NotImplementedError("pixel_to_direction is being written")


def direction_to_pixel(*args, **kwargs):
    raise NotImplementedError("direction_to_pixel is being written")


def pixel_solid_angle(*args, **kwargs):
    raise NotImplementedError("pixel_solid_angle is being written")


def equirect_to_perspective(*args, **kwargs):
    raise NotImplementedError("equirect_to_perspective is being written")
