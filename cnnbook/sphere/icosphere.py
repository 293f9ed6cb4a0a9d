"""STUB: being written."""


def icosphere(*args, **kwargs):
    raise NotImplementedError("icosphere is being written")


def face_neighbors(*args, **kwargs):
    raise NotImplementedError("face_neighbors is being written")


def face_children(*args, **kwargs):
    raise NotImplementedError("face_children is being written")


def sample_equirect_on_faces(*args, **kwargs):
    raise NotImplementedError("sample_equirect_on_faces is being written")


def sample_equirect_on_vertices(*args, **kwargs):
    raise NotImplementedError("sample_equirect_on_vertices is being written")
