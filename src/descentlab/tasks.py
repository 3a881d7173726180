"""Training tasks (``descentlab.tasks.airfoil()``, ``digits()``, ``quadratic_deep()``,
``fashion_mnist()``, ``noisy_landscape("rosenbrock")``, or your own `Task`)."""

from .train.tasks import (
    Task,
    airfoil,
    available,
    digits,
    fashion_mnist,
    get,
    noisy_landscape,
    quadratic_deep,
)

__all__ = [
    "Task",
    "airfoil",
    "available",
    "digits",
    "fashion_mnist",
    "get",
    "noisy_landscape",
    "quadratic_deep",
]
