"""cnnbook: the companion package of the open textbook on convolutional neural networks.

Subpackages, one per concept (a reader can guess the file from the chapter):

- :mod:`cnnbook.functional` -- NumPy from-scratch operations that mirror ``torch.nn.functional``.
- :mod:`cnnbook.nn` -- PyTorch modules for the book's building blocks.
- :mod:`cnnbook.sphere` -- spherical geometry and operations.
- :mod:`cnnbook.data` -- offline datasets and images.
- :mod:`cnnbook.plot` -- figure helpers shared by every chapter.
- :mod:`cnnbook.exercises` -- checkers for the end-of-chapter exercises.
- :mod:`cnnbook.train` -- seeding, a deterministic progress bar and a small training loop.
"""

from cnnbook.train import seed_everything

__version__ = "0.1.0"
__all__ = ["seed_everything", "__version__"]
