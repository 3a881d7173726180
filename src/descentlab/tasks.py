"""Training tasks (``descentlab.tasks.airfoil()``, ``digits()``, or your own `Task`)."""

from .train.tasks import Task, airfoil, available, digits, get

__all__ = ["Task", "airfoil", "available", "digits", "get"]
