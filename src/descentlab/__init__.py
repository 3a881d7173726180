"""descentlab: an optimizer lab for PyTorch.

Optimizers written from scratch and proven equal to torch.optim
(`descentlab.optim`), raced on test landscapes, swept, animated and used to
train real models.
"""

from importlib.metadata import PackageNotFoundError, version

from . import optim

try:
    __version__ = version("descentlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__", "optim"]
