"""What made a result: the versions of Python, descentlab and the packages it ran on.

Read from the installed metadata; this module imports nothing of descentlab but its
version, so every layer may record it."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from . import __version__

PACKAGES = ("torch", "numpy", "matplotlib", "pandas", "plotly", "scikit-learn", "optuna")


def versions() -> dict[str, str]:
    """Python, descentlab and each main package that is installed, with its version."""
    found = {"python": platform.python_version(), "descentlab": __version__}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found
