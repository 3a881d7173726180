"""The library's defaults and limits, each written once; plain values, no imports, so
that the command line can show them without loading torch.

The engine and viz signatures read them; `descentlab.experiments` builds the models of
a race, a sweep and a training comparison from them, and the faces read those.
"""

STEPS = 100  # optimizer steps of a race or a sweep
NOISE = 0.0  # std of the Gaussian noise added to each gradient
SEED = 0
TOL = 1e-3  # within this of the known minimum value is reached
STARTS_PER_AXIS = 20  # a sweep's default grid of starts is N x N
VIEWS = ("contour", "surface", "both")
VIEW = "contour"
FPS = 20  # frames per second of an animation
MAX_FPS = 60
