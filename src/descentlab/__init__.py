"""descentlab: an optimizer lab for PyTorch.

`descentlab.optim` holds the classic optimizers, written from scratch and proven
equal to torch.optim step by step.
"""

from importlib.metadata import PackageNotFoundError, version

from . import optim

try:
    __version__ = version("descentlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__", "optim"]
