"""Pictures of landscapes, races, sweeps and training runs (matplotlib figures, saved
by extension), and animations of races (GIF, MP4, self-contained HTML)."""

from .animate import Animation, animate
from .interactive import interactive
from .static import ema_weights, landscape, loss_curves, surface, trace
from .sweeps import basins, heatmap, sensitivity
from .teaching import lbfgs_line_search, muon_normalised, prodigy_step_size
from .training import training_curves

__all__ = [
    "Animation",
    "animate",
    "basins",
    "ema_weights",
    "heatmap",
    "interactive",
    "landscape",
    "lbfgs_line_search",
    "loss_curves",
    "muon_normalised",
    "prodigy_step_size",
    "sensitivity",
    "surface",
    "trace",
    "training_curves",
]
