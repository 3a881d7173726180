"""Pictures of landscapes, races and sweeps (matplotlib figures, saved by extension)."""

from .static import ema_weights, landscape, loss_curves, surface, trace
from .sweeps import basins, heatmap, sensitivity

__all__ = [
    "basins",
    "ema_weights",
    "heatmap",
    "landscape",
    "loss_curves",
    "sensitivity",
    "surface",
    "trace",
]
