"""A function with ``*args`` in a module of its own, with a default that is not a constant."""
import numpy as np


def other(x, *rest, scale=np.float64(2.0)):
    return scale * x * sum(rest)
