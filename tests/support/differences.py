"""Central differences, the reference the gradient tests compare srcdiff against."""
import numpy as np


def central_grad(f, args, pos, eps=1e-6):
    """The gradient of the real ``f(*args)`` in argument ``pos`` by central differences.

    A float for a float argument, an array of the argument's shape otherwise; for a complex
    argument, dL/dx - i dL/dy (srcdiff's convention).
    """
    x = args[pos]
    scalar = not isinstance(x, np.ndarray) and np.ndim(x) == 0
    dtype = complex if np.iscomplexobj(x) else float
    base = np.array(x, dtype=dtype)
    g = np.zeros(base.shape, dtype)

    def at(idx, step):
        moved = base.copy()
        moved[idx] += step
        changed = list(args)
        changed[pos] = moved.item() if scalar else moved
        return np.real(f(*changed))

    for idx in np.ndindex(*base.shape):
        g[idx] = (at(idx, eps) - at(idx, -eps)) / (2 * eps)
        if dtype is complex:
            g[idx] -= 1j * (at(idx, 1j * eps) - at(idx, -1j * eps)) / (2 * eps)
    return g.item() if scalar else g
